import type { ApiResponseNoStatusOptions } from '@nestjs/swagger';
import type { Refusal } from '@crm/shared/kernel';

/** Every error body of the API is this one component (RFC 9457), referenced, never inlined. */
export const PROBLEM_REF = { $ref: '#/components/schemas/Problem' } as const;
export const COMMAND_REPLY_REF = { $ref: '#/components/schemas/CommandReply' } as const;

export const CONTRACT_SCHEMAS = {
  FieldError: {
    type: 'object',
    description: 'One bad field: its dotted path (`opportunity.name`, `lines.0.quantity`, `header.If-Match`) and what is wrong with it.',
    required: ['field', 'messages'],
    additionalProperties: false,
    properties: { field: { type: 'string' }, messages: { type: 'array', minItems: 1, items: { type: 'string' } } },
  },
  Problem: {
    type: 'object',
    description:
      'application/problem+json (RFC 9457). `code` is stable; `errors` names every bad field of a 400 (and the referring field of a 404 for a record the body names).',
    required: ['type', 'title', 'status', 'detail', 'code'],
    additionalProperties: false,
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      code: { type: 'string', pattern: '^[A-Z][A-Z_]*\\.[A-Z][A-Z_]*$|^INTERNAL$', example: 'COMPLAINT.NOT_ACKNOWLEDGED' },
      instance: { type: 'string', description: 'The request path' },
      errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
      details: {
        type: 'object',
        additionalProperties: true,
        description: 'Facts about the refusal, e.g. `existingLeadId` of LEAD.DUPLICATE',
      },
      streamId: { type: 'string', description: 'STREAM.NOT_FOUND: the stream asked for' },
      expectedRevision: { type: 'string', description: 'CONCURRENCY.REVISION_MISMATCH: what If-Match said' },
      actualRevision: {
        description: 'CONCURRENCY.REVISION_MISMATCH: the current revision',
        oneOf: [
          { type: 'integer', minimum: 0 },
          { type: 'string', enum: ['no_stream'] },
        ],
      },
      projection: { type: 'string', description: 'READ_MODEL.NOT_CAUGHT_UP: the read model waited for' },
    },
  },
  CommandReply: {
    type: 'object',
    description:
      'What every command answers: the aggregate, its revision after the command and the global position (read-your-writes: pass it as minPosition).',
    required: ['id', 'revision', 'position'],
    additionalProperties: true,
    properties: {
      id: { type: 'string', format: 'uuid' },
      revision: { type: 'integer', minimum: -1 },
      position: { type: 'string' },
    },
  },
} as const;

export const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
} as const;

/**
 * A problem response whose `code` is one of `refusals` (and `status` theirs):
 * what a client may switch on, generated from the declarations, each code
 * explained in the description.
 */
export function problemResponse(
  description: string,
  refusals: readonly Refusal[],
  headers?: Record<string, unknown>,
): ApiResponseNoStatusOptions {
  const unique = [...new Map(refusals.map((refusal) => [refusal.code, refusal])).values()].sort((a, b) => a.code.localeCompare(b.code));
  const statuses = [...new Set(unique.map((refusal) => refusal.status))];
  const narrowed =
    unique.length === 0
      ? PROBLEM_REF
      : {
          allOf: [
            PROBLEM_REF,
            {
              type: 'object',
              properties: { status: { type: 'integer', enum: statuses }, code: { type: 'string', enum: unique.map((r) => r.code) } },
            },
          ],
        };
  const codes = unique.map((refusal) => `- \`${refusal.code}\`: ${refusal.description}`).join('\n');
  return {
    description: codes ? `${description}\n\n${codes}` : description,
    ...(headers ? { headers } : {}),
    content: { 'application/problem+json': { schema: narrowed } },
  } as ApiResponseNoStatusOptions;
}
