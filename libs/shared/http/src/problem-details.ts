import { STATUS_CODES } from 'node:http';

/** RFC 9457 problem details, the one error shape of the API (API.md "Conventions"). */
export interface FieldError {
  /** Dotted path of the offending field, e.g. `opportunity.estimatedValue.amount` or `lines.0.quantity`. */
  readonly field: string;
  readonly messages: readonly string[];
}

export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The title of a problem named by its status alone: the HTTP reason phrase in sentence case, as the API's other titles
 * are written ("Not found", "Too many requests", "Method not allowed", "URI too long"; acronyms kept).
 */
export function problemTitle(status: number): string {
  const phrase = STATUS_CODES[status];
  if (phrase === undefined) return 'Error';
  return phrase
    .split(' ')
    .map((word, index) => (index === 0 || (word.length > 1 && word === word.toUpperCase()) ? word : word.toLowerCase()))
    .join(' ');
}
const TYPE_BASE = 'https://crm.example/problems/';

export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemDetails {
  return { type: `${TYPE_BASE}${code.toLowerCase().replace(/[._]/g, '-')}`, title, status, detail, code, ...extensions };
}

/** The 400 codes of the edge (declared with their meaning in openapi/http-problems.ts). */
export type EdgeInputCode = 'VALIDATION.FAILED' | 'REQUEST.MALFORMED_JSON' | 'REQUEST.INVALID_ENCODING';

/** Input failed validation: 400 naming every bad field (`code` says what kind of input, VALIDATION.FAILED by default). */
export class RequestValidationError extends Error {
  constructor(
    readonly errors: readonly FieldError[],
    readonly code: EdgeInputCode = 'VALIDATION.FAILED',
  ) {
    super(`invalid request: ${errors.map((e) => e.field).join(', ')}`);
    this.name = 'RequestValidationError';
  }
}
