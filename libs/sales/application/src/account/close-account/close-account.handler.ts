import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '@crm/shared/event-sourcing';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { personalDataLayer, PERSONAL_DATA_REFUSALS } from '@crm/shared/personal-data';
import { accountDecider } from '@crm/sales/domain';
import { accountStream } from '../../common/streams';
import { CloseAccountCommand } from './close-account.command';

@CommandHandler(CloseAccountCommand)
export class CloseAccountHandler implements ICommandHandler<CloseAccountCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ accountId, input, context }: CloseAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    // A reason left out: the key store says whether the account's personal data is erased (no reason can be sealed then).
    const personalDataErased = input.reason === undefined && (await this.erased(accountId, context.tenantId));
    const data = { accountId, reason: input.reason, closedAt: now.toISOString(), personalDataErased };
    return commandReply(
      accountId,
      await this.executor.execute(accountDecider, accountStream(accountId), { type: 'CloseAccount', data }, context, now),
    );
  }

  private async erased(accountId: string, tenantId: string): Promise<boolean> {
    const layer = personalDataLayer(this.executor.store);
    if (!layer) return false;
    try {
      await layer.refuseIfErased(tenantId, accountStream(accountId));
      return false;
    } catch (error) {
      if (error instanceof DomainError && error.code === PERSONAL_DATA_REFUSALS.ERASED.code) return true;
      throw error;
    }
  }
}
