import { problems, refusals } from '@crm/shared/kernel';

/** Problems any route may answer that belong to no aggregate: the edge, concurrency, idempotency, the read side. */
export const REQUEST_PROBLEMS = problems('REQUEST', {
  MALFORMED_JSON: [400, 'The body is not JSON'],
  INVALID_ENCODING: [400, 'The body is not valid UTF-8'],
  BAD_URL: [400, 'The URL has a malformed percent-escape, or one that is not UTF-8'],
  MALFORMED: [400, 'The request is not well-formed HTTP/1.1, or repeats a header that takes one value (Authorization)'],
  BAD: [400, 'The request could not be read'],
  METHOD_NOT_ALLOWED: [405, 'The route does not take this method'],
  NOT_ACCEPTABLE: [406, 'No representation the client accepts'],
  TIMEOUT: [408, 'The request was not received in time'],
  TOO_LARGE: [413, 'The body is larger than CRM_BODY_LIMIT_BYTES'],
  URL_TOO_LONG: [414, 'The URL or a path parameter is longer than the server accepts'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Commands take application/json (or application/*+json) only'],
  TOO_MANY: [429, 'Rate limited; see Retry-After'],
  HEADERS_TOO_LARGE: [431, 'The request headers are larger than the server accepts'],
});

/** Who may call: the authentication hook's answers on every protected route (API.md "Authentication, roles and tenants"). */
export const AUTH_PROBLEMS = problems('AUTH', {
  UNAUTHENTICATED: [401, 'No credentials, or a malformed, unknown, expired or revoked token (WWW-Authenticate: Bearer)'],
  FORBIDDEN: [403, "None of the caller's roles may call this route, or the record is outside what its key may manage"],
  TOO_MANY_FAILURES: [429, 'Too many failed authentications from this address; see Retry-After'],
});

export const VALIDATION_PROBLEMS = problems('VALIDATION', {
  FAILED: [400, 'Invalid input: every bad field is listed in errors'],
});

export const CONCURRENCY_PROBLEMS = problems('CONCURRENCY', {
  CONFLICT: [409, 'Concurrent changes kept conflicting; retry after Retry-After seconds'],
  REVISION_MISMATCH: [412, 'If-Match named another revision than the current one'],
});

export const IDEMPOTENCY_PROBLEMS = problems('IDEMPOTENCY', {
  KEY_REUSED: [422, 'The Idempotency-Key (or commandId) was used for another request'],
});

export const RESOURCE_PROBLEMS = problems('RESOURCE', { NOT_FOUND: [404, 'No route matches the URL'] });
export const READ_MODEL_PROBLEMS = problems('READ_MODEL', {
  NOT_CAUGHT_UP: [503, 'The read model has not reached minPosition yet; retry after Retry-After seconds'],
});
/** What the stores themselves answer: the event store for any command, any store for any route. */
export const STORE_PROBLEMS = problems('STORE', {
  APPEND_TOO_LARGE: [413, "The command's events are larger than the event store records in one append"],
  OUTCOME_UNKNOWN: [
    503,
    'The event store did not answer; whether the command was recorded is unknown: retry with the same Idempotency-Key',
  ],
  UNAVAILABLE: [
    503,
    'A store was busy or out of reach for a moment (another writer held it, a connection dropped): retry after Retry-After seconds; a command with the same Idempotency-Key',
  ],
});
/** What an instance answers on any route while it drains for a shutdown: nothing was done. */
export const SERVICE_PROBLEMS = problems('SERVICE', {
  SHUTTING_DOWN: [503, 'This instance is shutting down and did nothing: retry the request (another instance, or after Retry-After)'],
});
export const STREAM_PROBLEMS = problems('STREAM', {
  DELETED: [410, 'The stream was deleted for good (tombstoned)'],
});
export const INTERNAL_PROBLEM = {
  code: 'INTERNAL',
  status: 500,
  description: 'The server failed; nothing about the failure is disclosed',
} as const;

/** Values the kernel refuses (InvalidValueError) when one reaches it past the edge checks. */
export const VALUE_PROBLEMS = [
  ...Object.values(
    refusals('MONEY', {
      INVALID_AMOUNT: [400, 'An amount is not a safe integer of minor units'],
      INVALID_CURRENCY: [400, 'A currency is not an ISO 4217 code in use'],
      CURRENCY_MISMATCH: [400, 'Amounts in different currencies were combined'],
      OVERFLOW: [400, 'An amount is beyond 2^53 − 1 minor units'],
      INVALID_QUANTITY: [400, 'A quantity has more than 3 decimals or is negative'],
      INVALID_PERCENT: [400, 'A percentage has more than 2 decimals or is negative'],
    }),
  ),
  ...Object.values(refusals('PHONE', { INVALID: [400, 'Not a phone number'] })),
  ...Object.values(refusals('EMAIL', { INVALID: [400, 'Not an email address'] })),
  ...Object.values(refusals('TIME', { INVALID: [400, 'Not an ISO 8601 instant with its offset'] })),
  ...Object.values(refusals('DATE', { INVALID: [400, 'Not a real calendar date'] })),
  ...Object.values(
    refusals('JALALI', {
      INVALID_DATE: [400, 'Not a day of the Jalali calendar'],
      OUT_OF_RANGE: [400, 'A Jalali year outside the years the calendar is computed for'],
    }),
  ),
];
