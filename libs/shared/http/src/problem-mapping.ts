import { HttpException } from '@nestjs/common';
import {
  AppendOutcomeUnknownError,
  AppendTooLargeError,
  CommandRecordedMeanwhileError,
  ConcurrencyConflictError,
  DomainError,
  IdempotencyConflictError,
  STREAM_REFUSALS,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@crm/shared/event-sourcing';
import {
  AUTH_PROBLEMS,
  CONCURRENCY_PROBLEMS,
  IDEMPOTENCY_PROBLEMS,
  INTERNAL_PROBLEM,
  READ_MODEL_PROBLEMS,
  STORE_PROBLEMS,
  STREAM_PROBLEMS,
  REQUEST_PROBLEMS,
  RESOURCE_PROBLEMS,
} from './openapi/http-problems';
import { InvalidValueError, isTransientStoreError } from '@crm/shared/kernel';
import { problem, problemTitle, RequestValidationError, type ProblemDetails } from './problem-details';

/** A read model has not reached the position the caller asked for (read-your-writes): 503 + Retry-After. */
export class NotCaughtUpError extends Error {
  constructor(
    readonly projection: string,
    readonly wanted: string,
    readonly retryAfterSeconds = 1,
    detail?: string,
  ) {
    super(detail ?? `${projection} has not reached position ${wanted} yet`);
    this.name = 'NotCaughtUpError';
  }
}

export interface MappedProblem {
  readonly body: ProblemDetails;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Framework errors by status, as the catalogs declare them (openapi/http-problems.ts). */
const STATUS_CODES: Record<number, string> = {
  400: REQUEST_PROBLEMS.BAD.code,
  401: AUTH_PROBLEMS.UNAUTHENTICATED.code,
  403: AUTH_PROBLEMS.FORBIDDEN.code,
  404: RESOURCE_PROBLEMS.NOT_FOUND.code,
  405: REQUEST_PROBLEMS.METHOD_NOT_ALLOWED.code,
  406: REQUEST_PROBLEMS.NOT_ACCEPTABLE.code,
  408: REQUEST_PROBLEMS.TIMEOUT.code,
  409: CONCURRENCY_PROBLEMS.CONFLICT.code,
  413: REQUEST_PROBLEMS.TOO_LARGE.code,
  414: REQUEST_PROBLEMS.URL_TOO_LONG.code,
  415: REQUEST_PROBLEMS.UNSUPPORTED_MEDIA_TYPE.code,
  429: REQUEST_PROBLEMS.TOO_MANY.code,
  431: REQUEST_PROBLEMS.HEADERS_TOO_LARGE.code,
};

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

const TITLES: Readonly<Record<number, string>> = { 400: 'Invalid request', 404: 'Not found', 409: 'Refused by a business rule' };

/**
 * A refusal as its aggregate declared it: the status comes from the declaration,
 * never from the code's spelling. Fields it names become `errors` (a 400 always
 * names some; a 404 for a record the body refers to names the field too).
 */
function domainProblem(error: DomainError): ProblemDetails {
  const { fields, ...rest } = error.details ?? {};
  const named = Array.isArray(fields) ? fields.map(String) : [];
  return problem(error.status, error.code, TITLES[error.status] ?? 'Refused', error.message, {
    ...(named.length > 0 ? { errors: named.map((field) => ({ field, messages: [error.message] })) } : {}),
    ...(Object.keys(rest).length > 0 ? { details: rest } : {}),
  });
}

/** Every failure the API can meet, as problem+json (API.md "Conventions"). Unknown errors never leak details. */
export function toProblem(error: unknown): MappedProblem {
  if (error instanceof RequestValidationError) {
    const fields = error.errors.map((e) => e.field).join(', ');
    return { body: problem(400, error.code, 'Invalid request', `Invalid fields: ${fields}`, { errors: error.errors }) };
  }
  if (error instanceof InvalidValueError) {
    const errors = error.fields?.map((field) => ({ field, messages: [error.message] }));
    return { body: problem(400, error.code, 'Invalid value', error.message, errors ? { errors } : undefined) };
  }
  if (error instanceof DomainError) return { body: domainProblem(error) };
  if (error instanceof StreamNotFoundError) {
    return { body: problem(404, STREAM_REFUSALS.NOT_FOUND.code, 'Not found', error.message, { streamId: error.streamId }) };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      body: problem(412, CONCURRENCY_PROBLEMS.REVISION_MISMATCH.code, 'Revision mismatch', error.message, {
        expectedRevision: error.expected,
        actualRevision: error.actual,
      }),
    };
  }
  if (error instanceof CommandRecordedMeanwhileError) {
    return { body: problem(409, CONCURRENCY_PROBLEMS.CONFLICT.code, 'Concurrent changes', error.message), headers: { 'retry-after': '1' } };
  }
  if (error instanceof ConcurrencyConflictError) {
    return { body: problem(409, CONCURRENCY_PROBLEMS.CONFLICT.code, 'Concurrent changes', error.message), headers: { 'retry-after': '1' } };
  }
  if (error instanceof IdempotencyConflictError) {
    return { body: problem(422, IDEMPOTENCY_PROBLEMS.KEY_REUSED.code, 'Idempotency key reused', error.message) };
  }
  if (error instanceof AppendTooLargeError) {
    return {
      body: problem(413, STORE_PROBLEMS.APPEND_TOO_LARGE.code, 'Too large to record', error.message, {
        details: { limitBytes: error.limitBytes, ...(Number.isFinite(error.bytes) ? { bytes: error.bytes } : {}) },
      }),
    };
  }
  if (error instanceof AppendOutcomeUnknownError) {
    return {
      body: problem(503, STORE_PROBLEMS.OUTCOME_UNKNOWN.code, 'Event store did not answer', error.message),
      headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof StreamDeletedError) {
    return { body: problem(410, STREAM_PROBLEMS.DELETED.code, 'Gone', error.message, { streamId: error.streamId }) };
  }
  if (error instanceof NotCaughtUpError) {
    return {
      body: problem(503, READ_MODEL_PROBLEMS.NOT_CAUGHT_UP.code, 'Read model not caught up', error.message, {
        projection: error.projection,
      }),
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    };
  }
  if (isTransientStoreError(error)) {
    // Nothing about the store is disclosed; the request may be repeated (a command with its Idempotency-Key).
    return {
      body: problem(503, STORE_PROBLEMS.UNAVAILABLE.code, 'Store busy or out of reach', 'A store was busy or out of reach; retry shortly.'),
      headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_CODES[status] ?? `HTTP.${status}`;
    return { body: problem(status, code, problemTitle(status), error.message) };
  }
  const status = statusOf(error);
  if (status !== undefined && status < 500) {
    const code =
      status === 400 && error instanceof SyntaxError ? REQUEST_PROBLEMS.MALFORMED_JSON.code : (STATUS_CODES[status] ?? `HTTP.${status}`);
    return { body: problem(status, code, problemTitle(status), (error as Error).message) };
  }
  return { body: problem(500, INTERNAL_PROBLEM.code, 'Internal error', 'The server failed to handle the request; it has been logged.') };
}
