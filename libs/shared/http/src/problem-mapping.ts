import { HttpException, HttpStatus } from '@nestjs/common';
import {
  AppendOutcomeUnknownError,
  AppendTooLargeError,
  ConcurrencyConflictError,
  DomainError,
  IdempotencyConflictError,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '@crm/shared/event-sourcing';
import { InvalidValueError } from '@crm/shared/kernel';
import { problem, RequestValidationError, type ProblemDetails } from './problem-details';

/** A read model has not reached the position the caller asked for (read-your-writes): 503 + Retry-After. */
export class NotCaughtUpError extends Error {
  constructor(
    readonly projection: string,
    readonly wanted: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(`${projection} has not reached position ${wanted} yet`);
    this.name = 'NotCaughtUpError';
  }
}

export interface MappedProblem {
  readonly body: ProblemDetails;
  readonly headers?: Readonly<Record<string, string>>;
}

const STATUS_CODES: Record<number, string> = {
  400: 'REQUEST.BAD',
  401: 'AUTH.UNAUTHENTICATED',
  403: 'AUTH.FORBIDDEN',
  404: 'RESOURCE.NOT_FOUND',
  405: 'REQUEST.METHOD_NOT_ALLOWED',
  406: 'REQUEST.NOT_ACCEPTABLE',
  409: 'REQUEST.CONFLICT',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'REQUEST.TOO_MANY',
};

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

/** Every failure the API can meet, as problem+json (API.md "Conventions"). Unknown errors never leak details. */
export function toProblem(error: unknown): MappedProblem {
  if (error instanceof RequestValidationError) {
    const fields = error.errors.map((e) => e.field).join(', ');
    return { body: problem(400, 'VALIDATION.FAILED', 'Invalid request', `Invalid fields: ${fields}`, { errors: error.errors }) };
  }
  if (error instanceof InvalidValueError) {
    return { body: problem(400, error.code, 'Invalid value', error.message) };
  }
  if (error instanceof DomainError && Array.isArray(error.details?.['fields'])) {
    // The domain found the input itself invalid (e.g. a score off its scale): that is a 400 naming the fields.
    const fields = (error.details['fields'] as unknown[]).map(String);
    return {
      body: problem(400, error.code, 'Invalid request', error.message, {
        errors: fields.map((field) => ({ field, messages: [error.message] })),
      }),
    };
  }
  if (error instanceof DomainError) {
    const status = error.code.endsWith('.NOT_FOUND') ? 404 : 409;
    return {
      body: problem(
        status,
        error.code,
        status === 404 ? 'Not found' : 'Refused by a business rule',
        error.message,
        error.details ? { details: error.details } : {},
      ),
    };
  }
  if (error instanceof StreamNotFoundError) {
    return { body: problem(404, 'STREAM.NOT_FOUND', 'Not found', error.message, { streamId: error.streamId }) };
  }
  if (error instanceof WrongExpectedRevisionError) {
    return {
      body: problem(412, 'CONCURRENCY.REVISION_MISMATCH', 'Revision mismatch', error.message, {
        expectedRevision: error.expected,
        actualRevision: error.actual,
      }),
    };
  }
  if (error instanceof ConcurrencyConflictError) {
    return { body: problem(409, 'CONCURRENCY.CONFLICT', 'Concurrent changes', error.message), headers: { 'retry-after': '1' } };
  }
  if (error instanceof IdempotencyConflictError) {
    return { body: problem(409, 'IDEMPOTENCY.KEY_REUSED', 'Idempotency key reused', error.message) };
  }
  if (error instanceof AppendTooLargeError) {
    return {
      body: problem(413, 'STORE.APPEND_TOO_LARGE', 'Too large to record', error.message, {
        details: { limitBytes: error.limitBytes, ...(Number.isFinite(error.bytes) ? { bytes: error.bytes } : {}) },
      }),
    };
  }
  if (error instanceof AppendOutcomeUnknownError) {
    return {
      body: problem(503, 'STORE.OUTCOME_UNKNOWN', 'Event store did not answer', error.message),
      headers: { 'retry-after': '1' },
    };
  }
  if (error instanceof StreamDeletedError) {
    return { body: problem(410, 'STREAM.DELETED', 'Gone', error.message, { streamId: error.streamId }) };
  }
  if (error instanceof NotCaughtUpError) {
    return {
      body: problem(503, 'READ_MODEL.NOT_CAUGHT_UP', 'Read model not caught up', error.message, { projection: error.projection }),
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = STATUS_CODES[status] ?? `HTTP.${status}`;
    return { body: problem(status, code, HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'Error', error.message) };
  }
  const status = statusOf(error);
  if (status !== undefined && status < 500) {
    const code = status === 400 && error instanceof SyntaxError ? 'REQUEST.MALFORMED_JSON' : (STATUS_CODES[status] ?? `HTTP.${status}`);
    return { body: problem(status, code, HttpStatus[status]?.replace(/_/g, ' ').toLowerCase() ?? 'Error', (error as Error).message) };
  }
  return { body: problem(500, 'INTERNAL', 'Internal error', 'The server failed to handle the request; it has been logged.') };
}
