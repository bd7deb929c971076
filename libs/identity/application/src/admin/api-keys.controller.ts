import { Body, Controller, ForbiddenException, Get, Post, Query } from '@nestjs/common';
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
  IdParam,
  type Principal,
} from '@crm/shared/http';
import { ApiKeyRegistry, type ApiKeyView } from '../keys/api-key-registry';
import { API_KEY_LIST_SCHEMA, CREATED_API_KEY_SCHEMA, type CreatedApiKey } from './api-key-replies';
import { CreateApiKeyCommand } from './create-api-key/create-api-key.command';
import { CreateApiKeyRequestDto } from './create-api-key/create-api-key.request.dto';
import { RevokeApiKeyCommand } from './revoke-api-key/revoke-api-key.command';
import { RevokeApiKeyRequestDto } from './revoke-api-key/revoke-api-key.request.dto';

export class ListApiKeysQueryDto {
  @ApiPropertyOptional({
    description: "Bootstrap key only: one tenant's keys (default: every tenant's)",
    pattern: TENANT_ID_PATTERN.source,
  })
  @IsOptional()
  @Matches(TENANT_ID_PATTERN, { message: 'tenantId must be lower-case letters, digits and inner dashes (at most 64)' })
  tenantId?: string;
}

/** Key administration (API.md "API keys"); the table admits admins only. */
@ApiTags('administration')
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(
    private readonly commands: CommandBus,
    private readonly registry: ApiKeyRegistry,
  ) {}

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
  @ApiBadQuery({ description: 'tenantId is not a tenant id' })
  list(@Query() query: ListApiKeysQueryDto, @CurrentPrincipal() principal: Principal): { items: ApiKeyView[] } {
    if (principal.allTenants !== true && query.tenantId !== undefined && query.tenantId !== principal.tenantId) {
      throw new ForbiddenException("Only the bootstrap key may list another tenant's keys");
    }
    return { items: this.registry.list(principal.allTenants === true ? query.tenantId : principal.tenantId) };
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
