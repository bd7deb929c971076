import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { BlindIndex } from '@crm/shared/personal-data';
import { BLIND_INDEX, CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { executeClaimingNationalId } from '../national-id/national-id-guard';
import { UpdateAccountCommand } from './update-account.command';

@CommandHandler(UpdateAccountCommand)
export class UpdateAccountHandler implements ICommandHandler<UpdateAccountCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(BLIND_INDEX) private readonly index: BlindIndex,
  ) {}

  async execute({ accountId, input, context }: UpdateAccountCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { name, nationalId, industry, ownerId } = input;
    const data = { accountId, name, nationalId, industry, ownerId, updatedAt: now.toISOString() };
    // No two accounts with one national id: the claim on it is recorded with the account's event, or neither is.
    return commandReply(
      accountId,
      await executeClaimingNationalId(this.executor, this.index, accountId, { type: 'UpdateAccount', data }, context, now),
    );
  }
}
