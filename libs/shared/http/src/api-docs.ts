import { applyDecorators, HttpCode, type Type } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { STREAM_REFUSALS } from '@crm/shared/event-sourcing';
import { NOT_FOUND, type RecordCategory, type Refusal } from '@crm/shared/kernel';
import { PERSONAL_DATA_REFUSALS } from '@crm/shared/personal-data';
import { HEADER_TOKEN_PATTERN } from './command-context';
import { COMMAND_REPLY_REF, PROBLEM_REF, problemResponse, RETRY_AFTER_HEADER } from './openapi/contract-schemas';
import {
  CONCURRENCY_PROBLEMS,
  IDEMPOTENCY_PROBLEMS,
  READ_MODEL_PROBLEMS,
  REQUEST_PROBLEMS,
  STORE_PROBLEMS,
  VALIDATION_PROBLEMS,
  VALUE_PROBLEMS,
} from './openapi/http-problems';

/** The shared Problem component, for routes that document their own problem responses. */
export const problemSchema = PROBLEM_REF;

/** What a route decides on: an aggregate's declared refusals and how it names a missing or existing stream (a Decider fits). */
export interface AggregateRefusals {
  readonly refusals?: Readonly<Record<string, Refusal>>;
  readonly existence?: { readonly notFound: Refusal; readonly alreadyExists: Refusal };
}

export interface ApiCommandOptions {
  readonly summary: string;
  readonly description?: string;
  /** 201 for a create, 200 for a command on an existing aggregate. */
  readonly creates?: boolean;
  readonly body?: Type<unknown>;
  /** The aggregates the route decides on: their declared refusals are what it may answer with. */
  readonly decides?: readonly AggregateRefusals[];
  /** Records the body names by id: an unknown one is that record's NOT_FOUND (404), naming the field. */
  readonly refersTo?: readonly RecordCategory[];
}

const EDGE_400: readonly Refusal[] = [
  VALIDATION_PROBLEMS.FAILED,
  REQUEST_PROBLEMS.MALFORMED_JSON,
  REQUEST_PROBLEMS.INVALID_ENCODING,
  ...VALUE_PROBLEMS,
];

/** Every refusal of a command route, by status, from the declarations it names. */
export function commandRefusals(options: Pick<ApiCommandOptions, 'creates' | 'decides' | 'refersTo'>): Map<number, Refusal[]> {
  // Any command may carry personal data for a record whose person was erased (PersonalDataEventStore refuses it).
  const all: Refusal[] = [...EDGE_400, CONCURRENCY_PROBLEMS.CONFLICT, PERSONAL_DATA_REFUSALS.ERASED];
  for (const aggregate of options.decides ?? []) {
    all.push(...Object.values(aggregate.refusals ?? {}));
    if (aggregate.existence) all.push(options.creates ? aggregate.existence.alreadyExists : aggregate.existence.notFound);
  }
  if ((options.decides ?? []).every((aggregate) => aggregate.existence === undefined)) {
    all.push(options.creates ? STREAM_REFUSALS.ALREADY_EXISTS : STREAM_REFUSALS.NOT_FOUND);
  }
  for (const category of options.refersTo ?? []) all.push(NOT_FOUND[category]);
  const byStatus = new Map<number, Refusal[]>();
  for (const refusal of all) byStatus.set(refusal.status, [...(byStatus.get(refusal.status) ?? []), refusal]);
  return byStatus;
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Malformed or invalid input; every bad field is listed in errors',
  404: 'An unknown aggregate, or a record the body names that does not exist',
  409: 'Refused by a business rule, or concurrent changes kept conflicting',
};

/** The headers every command route reads (commandContextFrom): Idempotency-Key, X-On-Behalf-Of, X-Correlation-Id. */
const commandHeaders = (): MethodDecorator[] => [
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'The same key with the same request returns the first reply and appends nothing; with another request → 422. ' +
      'ASCII letters, digits and ._:@- only: a header carries bytes, and text past ASCII does not arrive as sent.',
    schema: { type: 'string', pattern: HEADER_TOKEN_PATTERN },
  }),
  ApiHeader({
    name: 'X-On-Behalf-Of',
    required: false,
    description:
      'The person a service acts for (their user id); recorded as actor.onBehalfOf beside the authenticated caller, never instead of it. ' +
      'ASCII letters, digits and ._:@- only: a header carries bytes, and text past ASCII (a Persian name) does not arrive as sent.',
    schema: { type: 'string', pattern: HEADER_TOKEN_PATTERN },
  }),
  ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    description: 'Correlates the events this command records',
    schema: { type: 'string', format: 'uuid' },
  }),
];

/** Those headers alone, for a command route that documents its replies itself (an erasure). */
export function ApiCommandHeaders(): MethodDecorator {
  return applyDecorators(...commandHeaders());
}

/** OpenAPI for a command route: headers, reply and every problem it may answer with, generated from the refusal declarations. */
export function ApiCommand(options: ApiCommandOptions): MethodDecorator {
  const status = options.creates ? 201 : 200;
  const byStatus = commandRefusals(options);
  const decorators = [
    HttpCode(status),
    ApiOperation({ summary: options.summary, description: options.description }),
    ...commandHeaders(),
    ApiResponse({ status, description: options.creates ? 'Created' : 'Recorded', schema: COMMAND_REPLY_REF }),
  ];
  for (const [code, refusals] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    const headers = code === 409 ? RETRY_AFTER_HEADER : undefined;
    decorators.push(ApiResponse({ status: code, ...problemResponse(TITLES[code] ?? 'Refused', refusals, headers) }));
  }
  decorators.push(
    ApiResponse({ status: 413, ...problemResponse('Body too large', [REQUEST_PROBLEMS.TOO_LARGE, STORE_PROBLEMS.APPEND_TOO_LARGE]) }),
    ApiResponse({
      status: 503,
      ...problemResponse('A store did not answer', [STORE_PROBLEMS.OUTCOME_UNKNOWN, STORE_PROBLEMS.UNAVAILABLE], RETRY_AFTER_HEADER),
    }),
    ApiResponse({ status: 415, ...problemResponse('Body is not JSON', [REQUEST_PROBLEMS.UNSUPPORTED_MEDIA_TYPE]) }),
    ApiResponse({ status: 422, ...problemResponse('Idempotency key reused for another request', [IDEMPOTENCY_PROBLEMS.KEY_REUSED]) }),
  );
  decorators.push(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: options.creates
        ? 'Taken as on every command (RFC 9110): the record is made here and has no revision yet, so any If-Match (a revision or `*`) answers 412 and records nothing.'
        : 'Expected stream revision, as a reply\'s `revision` gives it, quoted: "3" (stale → 412); `*` matches any existing aggregate (RFC 9110). Compared strongly: a weak tag (W/) is malformed (400), as are leading zeros and a list of tags; a bare 3 is taken too.',
      schema: { type: 'string', pattern: '^(\\*|"(0|[1-9]\\d{0,14})"|0|[1-9]\\d{0,14})$' },
    }),
    ApiResponse({ status: 412, ...problemResponse('Revision mismatch (If-Match)', [CONCURRENCY_PROBLEMS.REVISION_MISMATCH]) }),
  );
  if (options.body) decorators.push(ApiBody({ type: options.body }));
  return applyDecorators(...decorators);
}

/**
 * The 400 of a query route: a bad parameter (VALIDATION.FAILED, every one named), a value the kernel refuses
 * (a date that does not exist), or a refusal of the view itself (`refusals`, e.g. a range too long).
 */
export function ApiBadQuery(options: { readonly refusals?: readonly Refusal[]; readonly description?: string } = {}): MethodDecorator {
  const { refusals = [], description = 'Invalid query parameters; every bad one listed' } = options;
  return ApiProblem(400, description, [VALIDATION_PROBLEMS.FAILED, ...VALUE_PROBLEMS, ...refusals]);
}

/** The 503 of a view asked for `minPosition`: its read models have not reached it within the wait. */
export function ApiNotCaughtUp(): MethodDecorator {
  return ApiProblem(503, 'The read model has not reached minPosition yet; retry after Retry-After', [READ_MODEL_PROBLEMS.NOT_CAUGHT_UP]);
}

/** A problem response for routes that are not commands (views, streams): the shared component, codes from declarations. */
export function ApiProblem(status: number, description: string, refusals: readonly Refusal[] = []): MethodDecorator {
  const headers = status === 503 || status === 429 ? RETRY_AFTER_HEADER : undefined;
  return ApiResponse({ status, ...problemResponse(description, refusals, headers) });
}
