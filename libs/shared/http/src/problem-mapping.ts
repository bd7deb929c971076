import { HttpException, HttpStatus } from '@nestjs/common';
import {
  ConcurrencyConflictError,
  DomainError,
  IdempotencyConflictError,
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
    return { body: problem(400, error.code, 'Invalid value', error.message) };
  }
  if (error instanceof DomainError) return { body: domainProblem(error) };
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
    return { body: problem(422, 'IDEMPOTENCY.KEY_REUSED', 'Idempotency key reused', error.message) };
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
