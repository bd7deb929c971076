import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RecordPurchaseRequestDto } from './record-purchase.request.dto';

export class RecordPurchaseCommand extends Command<CommandReply> {
  constructor(
    readonly accountId: string,
    readonly input: Omit<RecordPurchaseRequestDto, 'commandId'>,
    readonly context: CommandContext,
  ) {
    super();
  }
}
