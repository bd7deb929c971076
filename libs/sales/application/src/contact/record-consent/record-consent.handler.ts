import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, commandReply, type CommandReply } from '@crm/shared/http';
import { contactDecider } from '@crm/sales/domain';
import { contactStream } from '../../common/streams';
import { RecordConsentCommand } from './record-consent.command';

@CommandHandler(RecordConsentCommand)
export class RecordConsentHandler implements ICommandHandler<RecordConsentCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ contactId, input, context }: RecordConsentCommand): Promise<CommandReply> {
    const now = this.executor.now();
    const { channel, granted, source } = input;
    const data = { contactId, channel, granted, source, at: input.at ?? now.toISOString() };
    return commandReply(
      contactId,
      await this.executor.execute(contactDecider, contactStream(contactId), { type: 'RecordConsent', data }, context, now),
    );
  }
}
