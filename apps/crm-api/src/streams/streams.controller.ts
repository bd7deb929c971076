import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  NO_OP_RECORD_CATEGORY,
  STREAM_REFUSALS,
  StreamNotFoundError,
  verifyChain,
  type ChainVerification,
  type EventStore,
  type RecordedEvent,
} from '@crm/shared/event-sourcing';
import { ApiProblem, EVENT_STORE, IntQueryField, RequestValidationError, Tenant, VALIDATION_PROBLEMS } from '@crm/shared/http';
import { API_KEY_CATEGORY } from '@crm/identity/domain';
import { LEAD_KEY_CATEGORY, NATIONAL_ID_CATEGORY } from '@crm/sales/application';
import { STREAM_PAGE_SCHEMA } from './stream-page.schema';

export class ReadStreamQueryDto {
  @IntQueryField(0, Number.MAX_SAFE_INTEGER, { description: 'First revision to return', default: 0 })
  fromRevision?: number;

  @IntQueryField(1, 10_000, { description: 'Events per page', default: 1000 })
  limit?: number;
}

export interface StreamPage {
  readonly streamId: string;
  readonly events: readonly RecordedEvent[];
  /** Hash-chain check of the events returned (from the page's first event). */
  readonly integrity: ChainVerification;
  readonly nextRevision: number | null;
}

const STREAM_ID = /^[a-z][a-z-]{0,40}-[A-Za-z0-9-]{1,100}$/;
const TRAILING_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * Streams that are the server's own, not records of the CRM: API keys (names, roles, keyed hashes: the admin-only key
 * list), dedupe claims (blind indexes of emails and phones; accounts' claims on national ids) and the records of commands that changed nothing (keyed
 * request fingerprints, for idempotency). They answer 404 here, as a stream that does not exist.
 */
const INTERNAL_CATEGORIES = [API_KEY_CATEGORY, LEAD_KEY_CATEGORY, NATIONAL_ID_CATEGORY, NO_OP_RECORD_CATEGORY].map(
  (category) => `${category}-`,
);

@ApiTags('streams')
@Controller('streams')
export class StreamsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':streamId')
  @ApiOperation({ summary: "A stream's raw events in order, with metadata and the hash-chain check (auditors)" })
  @ApiParam({ name: 'streamId', example: 'complaint-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d' })
  @ApiResponse({ status: 200, description: 'Events in revision order', schema: STREAM_PAGE_SCHEMA })
  @ApiProblem(400, 'Malformed stream id or query; every bad one listed', [VALIDATION_PROBLEMS.FAILED])
  @ApiProblem(
    404,
    "No stream has this id in the caller's tenant, or it is one of the server's own (API keys, dedupe claims, no-op records)",
    [STREAM_REFUSALS.NOT_FOUND],
  )
  async read(@Param('streamId') given: string, @Query() query: ReadStreamQueryDto, @Tenant() tenantId: string): Promise<StreamPage> {
    // A record's UUID in capitals names the same record here as on every other route (UuidParam).
    const streamId = given.replace(TRAILING_UUID, (uuid) => uuid.toLowerCase());
    if (!STREAM_ID.test(streamId)) {
      throw new RequestValidationError([{ field: 'streamId', messages: ['streamId must look like {category}-{id}'] }]);
    }
    if (INTERNAL_CATEGORIES.some((prefix) => streamId.startsWith(prefix))) throw new StreamNotFoundError(streamId);
    const limit = query.limit ?? 1000;
    const from = query.fromRevision ?? 0;
    // The caller's tenant is implied: another tenant's stream answers 404, as if it did not exist.
    const events = await this.store.readStream(streamId, { tenantId, fromRevision: from, maxCount: limit + 1 });
    if (events.length === 0 && (await this.store.streamRevision(streamId, { tenantId })) === undefined)
      throw new StreamNotFoundError(streamId);
    const page = events.slice(0, limit);
    const first = page[0];
    // A page that starts mid-stream trusts its first event's prevHash and checks the links from there.
    const integrity =
      first && first.revision > 0 ? verifyChain(page, { revision: first.revision - 1, hash: first.metadata.prevHash }) : verifyChain(page);
    return { streamId, events: page, integrity, nextRevision: events.length > limit ? from + limit : null };
  }
}
