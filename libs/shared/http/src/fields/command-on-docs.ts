import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiResponse } from '@nestjs/swagger';
import { ApiCommand, type ApiCommandOptions } from '../api-docs';
import { COMMAND_REPLY_REF } from '../openapi/contract-schemas';

/** ApiCommand for `POST /{resource}/{id}/{command}`: the path id is documented as a UUID. */
export function ApiCommandOn(options: Omit<ApiCommandOptions, 'creates'>): MethodDecorator {
  return applyDecorators(ApiCommand(options), ApiParam({ name: 'id', format: 'uuid', description: 'Id of the aggregate addressed' }));
}

const uuid = { type: 'string', format: 'uuid' };
const money = {
  type: 'object',
  required: ['amount', 'currency'],
  properties: { amount: { type: 'integer' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
};

type ExtraKind = 'uuid' | 'money' | 'string' | 'integer' | 'boolean';

/** The extra ids and figures some replies carry, so clients can rely on them (applied after ApiCommand, it refines its reply). */
export function ApiReplyAlso(
  status: 200 | 201,
  /** Each extra field and its kind; a kind ending in `?` is sent only sometimes. */
  extra: Readonly<Record<string, `${ExtraKind}${'' | '?'}`>>,
): MethodDecorator {
  const kinds = { uuid, money, string: { type: 'string' }, integer: { type: 'integer' }, boolean: { type: 'boolean' } };
  const properties = Object.fromEntries(Object.entries(extra).map(([name, kind]) => [name, kinds[kind.replace('?', '') as ExtraKind]]));
  const required = Object.entries(extra)
    .filter(([, kind]) => !kind.endsWith('?'))
    .map(([name]) => name);
  return ApiResponse({
    status,
    description: `Also: ${Object.keys(extra).join(', ')}`,
    schema: { allOf: [COMMAND_REPLY_REF, { type: 'object', ...(required.length > 0 ? { required } : {}), properties }] },
  });
}
