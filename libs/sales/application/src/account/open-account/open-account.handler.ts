import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { BlindIndex } from '@crm/shared/personal-data';
import { BLIND_INDEX, CommandExecutor, commandReply, idFor, type CommandReply } from '@crm/shared/http';
import { accountStream } from '../../common/streams';
import { executeClaimingNationalId } from '../national-id/national-id-guard';
import { OpenAccountCommand } from './open-account.command';

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(BLIND_INDEX) private readonly index: BlindIndex,
  ) {}

  async execute({ input, context }: OpenAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const accountId = input.id ?? idFor(context, 'account');
    const { name, nationalId, industry, ownerId } = input;
    const data = { accountId, name, nationalId, industry, ownerId, openedAt: now.toISOString() };
    // No two accounts with one national id: the claim on it is recorded with the account's event, or neither is.
    try {
      return commandReply(
        accountId,
        await executeClaimingNationalId(this.executor, this.index, accountId, { type: 'OpenAccount', data }, context, now),
      );
    } catch (error) {
      // Sealed under a new key by an attempt a claim made meanwhile then refused: the key goes with the refusal.
      if (input.id === undefined) await this.executor.discardUnwrittenKeys(context, [accountStream(accountId)]);
      throw error;
    }
  }
}
