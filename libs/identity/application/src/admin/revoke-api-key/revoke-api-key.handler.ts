import { ForbiddenException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { API_KEY_REFUSALS, apiKeyDecider, type ApiKeyEvent } from '@crm/identity/domain';
import { DomainError, StreamNotFoundError } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { ApiKeyRegistry } from '../../keys/api-key-registry';
import { apiKeyStream } from '../api-key-replies';
import { RevokeApiKeyCommand } from './revoke-api-key.command';

/**
 * Records the revocation in the key's tenant and applies it to this
 * process's registry before replying, so the key is refused here from the
 * next request on; other processes follow through their subscription.
 */
@CommandHandler(RevokeApiKeyCommand)
export class RevokeApiKeyHandler implements ICommandHandler<RevokeApiKeyCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly registry: ApiKeyRegistry,
  ) {}

  async execute({ keyId, input, principal, context }: RevokeApiKeyCommand): Promise<CommandReply> {
    // Another tenant's key answers 404, as if it did not exist; only the bootstrap key looks beyond its own tenant.
    const elsewhere = principal.allTenants === true ? this.registry.list().find((key) => key.id === keyId)?.tenantId : undefined;
    const own = this.registry.get(principal.tenantId, keyId);
    const tenantId = own ? principal.tenantId : (elsewhere ?? principal.tenantId);
    // The bootstrap key manages every tenant's keys: a tenant's admin may not take it away (only it, or the CLI).
    if (own?.bootstrap === true && principal.allTenants !== true) {
      throw new ForbiddenException('Only the bootstrap key itself (or crm-cli api-keys) may revoke the bootstrap key');
    }
    const now = this.executor.now();
    const data = { keyId, reason: input.reason, revokedAt: now.toISOString() };
    try {
      const result = await this.executor.execute(
        apiKeyDecider,
        apiKeyStream(keyId),
        { type: 'RevokeApiKey', data },
        { ...context, tenantId },
        now,
      );
      const first = result.nextExpectedRevision - result.events.length + 1;
      result.events.forEach((event: ApiKeyEvent, index) => this.registry.apply(tenantId, first + index, event));
      return commandReply(keyId, result, { status: 'revoked' });
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw new DomainError(API_KEY_REFUSALS.NOT_FOUND, `No API key ${keyId}`, { keyId });
      throw error;
    }
  }
}
