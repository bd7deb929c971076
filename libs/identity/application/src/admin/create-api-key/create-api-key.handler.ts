import { ForbiddenException, Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { API_KEY_REFUSALS, apiKeyDecider, type ApiKeyEvent } from '@crm/identity/domain';
import { DomainError, IdempotencyConflictError } from '@crm/shared/event-sourcing';
import { CommandExecutor, idFor } from '@crm/shared/http';
import { hashApiKey, newApiKey } from '../../keys/api-key-secret';
import { ApiKeyRegistry } from '../../keys/api-key-registry';
import { API_KEY_SECRET } from '../../tokens';
import { apiKeyStream, type CreatedApiKey } from '../api-key-replies';
import { CreateApiKeyCommand } from './create-api-key.command';

/**
 * Draws the key, records only its keyed hash in the key's own tenant, and
 * shows the key once. A retried request cannot be answered with the key
 * again (it is nowhere), so it is refused instead of faked.
 */
@CommandHandler(CreateApiKeyCommand)
export class CreateApiKeyHandler implements ICommandHandler<CreateApiKeyCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly registry: ApiKeyRegistry,
    @Inject(API_KEY_SECRET) private readonly secret: Buffer,
  ) {}

  async execute({ input, principal, context }: CreateApiKeyCommand): Promise<CreatedApiKey> {
    const tenantId = input.tenantId ?? principal.tenantId;
    if (tenantId !== principal.tenantId && principal.allTenants !== true) {
      throw new ForbiddenException(`Only the bootstrap key may create keys for another tenant than ${principal.tenantId}`);
    }
    const now = this.executor.now();
    // The request's id is the caller's (its Idempotency-Key, scoped to the caller's tenant); a key made in another
    // tenant takes that tenant into its id, so one request id never names two keys (the revoke route takes an id).
    const idIn = (tenant: string) => idFor(context, tenant === principal.tenantId ? 'api-key' : `api-key@${tenant}`);
    const keyId = idIn(tenantId);
    // The same request id made a key in another tenant: another request (its tenant differs), refused as reuse (before,
    // under the id it has in the caller's tenant). The registry follows other processes within the store's live latency.
    const reused = this.registry
      .list()
      .some((known) => known.tenantId !== tenantId && (known.id === idIn(known.tenantId) || known.id === idFor(context, 'api-key')));
    if (reused) throw new IdempotencyConflictError(context.commandId);
    const key = newApiKey();
    const data = {
      keyId,
      name: input.name,
      roles: input.roles,
      tenantId,
      keyHash: hashApiKey(this.secret, key),
      createdAt: now.toISOString(),
    };
    const result = await this.executor.execute(
      apiKeyDecider,
      apiKeyStream(keyId),
      { type: 'CreateApiKey', data },
      { ...context, tenantId },
      now,
    );
    if (result.duplicate) {
      throw new DomainError(
        API_KEY_REFUSALS.SHOWN_ONCE,
        'This request already created a key, shown in its reply only; revoke it if that reply was lost',
        {
          keyId,
        },
      );
    }
    const created = result.events[0] as Extract<ApiKeyEvent, { type: 'ApiKeyCreated' }>;
    this.registry.apply(tenantId, result.nextExpectedRevision, created);
    return {
      id: keyId,
      key,
      name: created.data.name,
      roles: created.data.roles,
      tenantId,
      createdAt: created.data.createdAt,
      revision: result.nextExpectedRevision,
      position: result.position ?? '0',
    };
  }
}
