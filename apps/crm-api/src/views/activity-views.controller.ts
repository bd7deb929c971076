import { createHmac } from 'node:crypto';
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ACTIVITY_TYPES, REGARDING_TYPES, type ActivityType, type RegardingType } from '@crm/activities/domain';
import {
  ACTIVITY_LIST_STATUSES,
  ACTIVITY_PAGE_SCHEMA,
  ACTIVITY_SCHEMA,
  activityListProjection,
  loadActivity,
  loadActivityList,
  MAX_ACTIVITY_PAGE,
  type ActivityListStatus,
  type ActivityPage,
  type ActivityRow,
} from '@crm/projections/activities';
import { DomainError } from '@crm/shared/event-sourcing';
import {
  AlsoChecks,
  ApiBadQuery,
  ApiNotCaughtUp,
  ApiProblem,
  bodyRuleFaults,
  FINGERPRINT_KEY,
  CursorQueryField,
  IntQueryField,
  RequestValidationError,
  Tenant,
  PrincipalIdFilter,
  UuidParam,
  type BodyRule,
} from '@crm/shared/http';
import { NOT_FOUND } from '@crm/shared/kernel';
import { InvalidCursorError } from '@crm/shared/read-model';
import { ReadModels } from '../read-models/read-models.service';
import { DateOrInstant } from './date-or-instant';
import { MinPositionQueryDto } from './min-position.dto';
import { IdFilter } from './pipeline-views.dto';
import { periodInOrder } from './view-bounds';

/** One of userId and teamId (an activity is a person's or a team's), and regardingType with regardingId or neither. */
const ONE_ASSIGNEE: BodyRule = {
  reads: ['userId', 'teamId'],
  check: ({ userId, teamId }) => {
    if (userId !== undefined && teamId !== undefined) {
      throw new RequestValidationError([{ field: 'teamId', messages: ['give userId or teamId, not both'] }]);
    }
  },
};
const REGARDING_BOTH: BodyRule = {
  reads: ['regardingType', 'regardingId'],
  check: ({ regardingType, regardingId }) => {
    if ((regardingType === undefined) !== (regardingId === undefined)) {
      const field = regardingType === undefined ? 'regardingType' : 'regardingId';
      throw new RequestValidationError([{ field, messages: ['regardingType and regardingId go together'] }]);
    }
  },
};
@AlsoChecks(ONE_ASSIGNEE, REGARDING_BOTH, periodInOrder('dueFrom', 'dueTo'))
export class ActivityListQueryDto extends MinPositionQueryDto {
  @PrincipalIdFilter('Only the activities assigned to this person (their user id, as scheduled or reassigned)')
  userId?: string;

  @PrincipalIdFilter('Only the activities assigned to this team')
  teamId?: string;

  @ApiPropertyOptional({ enum: ACTIVITY_LIST_STATUSES, description: 'open: an occurrence is still to do; closed: none is' })
  @IsOptional()
  @IsIn(ACTIVITY_LIST_STATUSES)
  status?: ActivityListStatus;

  @ApiPropertyOptional({ enum: ACTIVITY_TYPES })
  @IsOptional()
  @IsIn(ACTIVITY_TYPES)
  type?: ActivityType;

  @ApiPropertyOptional({ enum: REGARDING_TYPES, description: 'With regardingId: only the activities about this record' })
  @IsOptional()
  @IsIn(REGARDING_TYPES)
  regardingType?: RegardingType;

  @IdFilter('With regardingType')
  regardingId?: string;

  @DateOrInstant('Due from (inclusive): a date is the first instant of that business day (Asia/Tehran by default)')
  dueFrom?: string;

  @DateOrInstant('Due to (inclusive): a date includes that whole business day. With status=open and now: what is overdue')
  dueTo?: string;

  @IntQueryField(1, MAX_ACTIVITY_PAGE, { default: 50 })
  limit?: number;

  @CursorQueryField('filters')
  cursor?: string;
}

/**
 * The activities as the people working them read them (the list the collaborative CRM works from), from the
 * `activity-list` read model: one person's or team's, one record's, open or closed, due in a period. Beside the
 * commands of `/activities` (libs/activities/application), under the same roles.
 */
@ApiTags('activities')
@Controller('activities')
export class ActivityViewsController {
  /** Cursors are tagged with a key of the server's own (page-cursor.ts). */
  private readonly cursorKey: Buffer;

  constructor(
    private readonly readModels: ReadModels,
    @Inject(FINGERPRINT_KEY) serverSecret: Buffer,
  ) {
    this.cursorKey = createHmac('sha256', serverSecret).update('crm.activity-list.cursor').digest();
  }

  @Get()
  @ApiOperation({
    summary: 'Activities, due first: one person’s or team’s, one record’s, open or closed, due in a period (limit ≤ 200)',
    description:
      'Sorted by `dueAt` (the earliest open occurrence’s due time; a closed activity’s latest), ties on the id. ' +
      'What is overdue for a person: `userId=…&status=open&dueTo=<now>`. Page on with `cursor` = the reply’s `nextCursor` ' +
      '(keyset: a deep page costs what the first does). No total is counted. Subjects, descriptions and outcomes of an ' +
      'erased person’s activities read `[erased]`. Pass minPosition to read your own writes.',
  })
  @ApiOkResponse({ schema: ACTIVITY_PAGE_SCHEMA })
  @ApiBadQuery()
  @ApiNotCaughtUp()
  async list(@Query() query: ActivityListQueryDto, @Tenant() tenantId: string): Promise<ActivityPage> {
    // The edge names a rule over several parameters beside other bad ones; broken alone it is refused here, as every
    // view's is (an outside probe: `regardingType` alone answered every activity of the tenant).
    const broken = bodyRuleFaults(ActivityListQueryDto, query);
    if (broken.length > 0) throw new RequestValidationError(broken);
    const collection = await this.readModels.collection(activityListProjection.name, query.minPosition);
    const { minPosition: _position, ...filters } = query;
    try {
      return await loadActivityList(this.readModels.store, collection, tenantId, filters, this.cursorKey);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new RequestValidationError([{ field: 'cursor', messages: [error.message] }]);
      throw error;
    }
  }

  @Get(':id')
  @ApiOperation({ summary: 'One activity with each occurrence’s state, outcome and times' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ schema: ACTIVITY_SCHEMA })
  @ApiBadQuery()
  @ApiProblem(404, 'No activity with this id in the caller’s tenant', [NOT_FOUND.activity])
  @ApiNotCaughtUp()
  async one(@UuidParam('id') activityId: string, @Query() query: MinPositionQueryDto, @Tenant() tenantId: string): Promise<ActivityRow> {
    const collection = await this.readModels.collection(activityListProjection.name, query.minPosition);
    const activity = await loadActivity(this.readModels.store, collection, tenantId, activityId);
    if (activity === undefined) throw new DomainError(NOT_FOUND.activity, `No activity ${activityId}`, { activityId });
    return activity;
  }
}
