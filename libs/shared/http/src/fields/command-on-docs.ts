import { applyDecorators } from '@nestjs/common';
import { ApiParam, ApiResponse } from '@nestjs/swagger';
import { ApiCommand, type ApiCommandOptions } from '../api-docs';

/** ApiCommand for `POST /{resource}/{id}/{command}`: the path id is documented as a UUID. */
export function ApiCommandOn(options: Omit<ApiCommandOptions, 'creates'>): MethodDecorator {
  return applyDecorators(ApiCommand(options), ApiParam({ name: 'id', format: 'uuid', description: 'Id of the aggregate addressed' }));
}

const uuid = { type: 'string', format: 'uuid' };
const money = { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } } };

/** The extra ids and figures some replies carry, so clients can rely on them (applied after ApiCommand, it refines its reply). */
export function ApiReplyAlso(
  status: 200 | 201,
  extra: Readonly<Record<string, 'uuid' | 'money' | 'string' | 'integer' | 'boolean'>>,
): MethodDecorator {
  const kinds = { uuid, money, string: { type: 'string' }, integer: { type: 'integer' }, boolean: { type: 'boolean' } };
  const properties = Object.fromEntries(Object.entries(extra).map(([name, kind]) => [name, kinds[kind]]));
  return ApiResponse({
    status,
    description: `Also: ${Object.keys(extra).join(', ')}`,
    schema: {
      type: 'object',
      required: ['id', 'revision', 'position'],
      properties: { id: uuid, revision: { type: 'integer' }, position: { type: 'string' }, ...properties },
    },
  });
}
