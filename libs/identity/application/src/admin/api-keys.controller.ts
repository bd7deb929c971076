import { createHmac } from 'node:crypto';
import { Body, Controller, ForbiddenException, Get, Inject, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { apiKeyDecider, TENANT_ID_PATTERN } from '@crm/identity/domain';
import {
  ApiBadQuery,
  ApiCommand,
  ApiCommandOn,
  type CommandContext,
  type CommandReply,
  Ctx,
  CurrentPrincipal,
  CursorQueryField,
  FINGERPRINT_KEY,
  IdParam,
  IntQueryField,
  type Principal,
  RequestValidationError,
} from '@crm/shared/http';
import { InvalidCursorError, openCursor, sealCursor } from '@crm/shared/read-model';
import { ApiKeyRegistry, type ApiKeyView } from '../keys/api-key-registry';
import { API_KEY_LIST_SCHEMA, CREATED_API_KEY_SCHEMA, type CreatedApiKey } from './api-key-replies';
import { CreateApiKeyCommand } from './create-api-key/create-api-key.command';
import { CreateApiKeyRequestDto } from './create-api-key/create-api-key.request.dto';
import { RevokeApiKeyCommand } from './revoke-api-key/revoke-api-key.command';
import { RevokeApiKeyRequestDto } from './revoke-api-key/revoke-api-key.request.dto';

/** Most keys on one page (API.md: lists page by cursor, limit ≤ 200). */
const MAX_KEY_PAGE = 200;

export class ListApiKeysQueryDto {
  @ApiPropertyOptional({
    description: "Bootstrap key only: one tenant's keys (default: every tenant's)",
    pattern: TENANT_ID_PATTERN.source,
  })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be lower-case letters, digits and inner dashes (at most 64)' })
  tenantId?: string;

  @IntQueryField(1, MAX_KEY_PAGE, { default: 50 })
  limit?: number;

  @CursorQueryField('tenantId')
  cursor?: string;
}

const CURSOR_REFUSAL = 'cursor must be the nextCursor of an earlier page, with the same tenantId';

export interface ApiKeyPage {
  readonly items: ApiKeyView[];
  /** Where the next page starts; null on the last. */
  readonly nextCursor: string | null;
}

/**
 * A page of keys in the registry's order (created, then id) after `cursor`: a keyset cursor sealed with the server's
 * key and bound to the keys listed (`scope`: one tenant's, or every tenant's), so it cannot be made up or carried to
 * another tenant's list.
 */
export function keyPage(all: readonly ApiKeyView[], scope: string, limit: number, cursor: string | undefined, key: Buffer): ApiKeyPage {
  let start = 0;
  if (cursor !== undefined) {
    const after = openCursor(cursor, scope, key, CURSOR_REFUSAL);
    const [createdAt, id] = [after['c'], after['id']];
    if (typeof createdAt !== 'string' || typeof id !== 'string') throw new InvalidCursorError(CURSOR_REFUSAL);
    const next = all.findIndex((view) => view.createdAt > createdAt || (view.createdAt === createdAt && view.id > id));
    start = next < 0 ? all.length : next;
  }
  const items = all.slice(start, start + limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: last === undefined || start + limit >= all.length ? null : sealCursor({ c: last.createdAt, id: last.id }, scope, key),
  };
}

/** Key administration (API.md "API keys"); the table admits admins only. */
@ApiTags('administration')
@Controller('admin/api-keys')
export class ApiKeysController {
  /** Cursors of the key list are tagged with a key of the server's own. */
  private readonly cursorKey: Buffer;

  constructor(
    private readonly commands: CommandBus,
    private readonly registry: ApiKeyRegistry,
    @Inject(FINGERPRINT_KEY) serverSecret: Buffer,
  ) {
    this.cursorKey = createHmac('sha256', serverSecret).update('crm.api-key-list.cursor').digest();
  }

  @Post()
  @ApiCommand({
    summary: 'Create an API key: the reply carries the key, shown this once; the server keeps only its keyed hash',
    creates: true,
    body: CreateApiKeyRequestDto,
    description: 'Only the bootstrap key may create keys for another tenant (403 AUTH.FORBIDDEN otherwise).',
    decides: [apiKeyDecider],
  })
  @ApiResponse({ status: 201, description: 'Created; `key` is shown only here', schema: CREATED_API_KEY_SCHEMA })
  create(
    @Body() body: CreateApiKeyRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
  ): Promise<CreatedApiKey> {
    const { commandId: _commandId, ...input } = body;
    return this.commands.execute(new CreateApiKeyCommand(input, principal, context));
  }

  @Get()
  @ApiOperation({ summary: "The caller's tenant's keys (the bootstrap key: every tenant's), without secrets or hashes" })
  @ApiOkResponse({ schema: API_KEY_LIST_SCHEMA })
  @ApiBadQuery({ description: 'tenantId is not a tenant id, limit is out of range, or cursor is not one this list gave' })
  list(@Query() query: ListApiKeysQueryDto, @CurrentPrincipal() principal: Principal): ApiKeyPage {
    if (principal.allTenants !== true && query.tenantId !== undefined && query.tenantId !== principal.tenantId) {
      throw new ForbiddenException("Only the bootstrap key may list another tenant's keys");
    }
    const tenantId = principal.allTenants === true ? query.tenantId : principal.tenantId;
    try {
      return keyPage(this.registry.list(tenantId), tenantId ?? '', query.limit ?? 50, query.cursor, this.cursorKey);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new RequestValidationError([{ field: 'cursor', messages: [error.message] }]);
      throw error;
    }
  }

  @Post(':id/revoke')
  @ApiCommandOn({
    summary: 'Revoke a key: refused from the next request in this process, within a poll interval in the others',
    body: RevokeApiKeyRequestDto,
    description: 'Another tenant’s key answers 404 API_KEY.NOT_FOUND, as if it did not exist.',
    decides: [apiKeyDecider],
  })
  revoke(
    @IdParam() id: string,
    @Body() body: RevokeApiKeyRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Ctx() context: CommandContext,
  ): Promise<CommandReply> {
    return this.commands.execute(new RevokeApiKeyCommand(id, { reason: body.reason }, principal, context));
  }
}
