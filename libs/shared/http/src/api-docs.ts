import { applyDecorators, HttpCode, type Type } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiResponse } from '@nestjs/swagger';

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', example: 'COMPLAINT.NOT_ACKNOWLEDGED' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, messages: { type: 'array', items: { type: 'string' } } } },
    },
  },
};

const replySchema = {
  type: 'object',
  required: ['id', 'revision', 'position'],
  properties: { id: { type: 'string', format: 'uuid' }, revision: { type: 'integer' }, position: { type: 'string' } },
  additionalProperties: true,
};

export interface ApiCommandOptions {
  readonly summary: string;
  /** 201 for a create, 200 for a command on an existing aggregate. */
  readonly creates?: boolean;
  readonly body?: Type<unknown>;
  readonly refusals?: readonly string[];
}

/** OpenAPI for a command route: headers, reply and every problem it may answer with. */
export function ApiCommand(options: ApiCommandOptions): MethodDecorator {
  const status = options.creates ? 201 : 200;
  const problems = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });
  const decorators = [
    HttpCode(status),
    ApiOperation({
      summary: options.summary,
      description: options.refusals?.length ? `Refusals: ${options.refusals.join(', ')}` : undefined,
    }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key again returns the first reply and appends nothing.' }),
    ApiHeader({
      name: 'X-On-Behalf-Of',
      required: false,
      description: 'The person a service acts for; recorded as actor.onBehalfOf beside the authenticated caller, never instead of it.',
    }),
    ApiResponse({ status: 415, ...problems('The body is not application/json (or application/*+json)') }),
    ApiResponse({ status, description: 'Recorded', schema: replySchema }),
    ApiResponse({ status: 400, ...problems('Malformed or invalid input; every bad field listed') }),
    ApiResponse({ status: 409, ...problems('Refused by a business rule, or concurrent changes kept conflicting') }),
    ApiResponse({ status: 413, ...problems('Body too large') }),
  ];
  if (!options.creates) {
    decorators.push(
      ApiHeader({ name: 'If-Match', required: false, description: 'Expected stream revision, e.g. "3"; stale → 412.' }),
      ApiResponse({ status: 404, ...problems('Unknown aggregate') }),
      ApiResponse({ status: 412, ...problems('Revision mismatch (If-Match)') }),
    );
  }
  if (options.body) decorators.push(ApiBody({ type: options.body }));
  return applyDecorators(...decorators);
}

export { problemSchema };
