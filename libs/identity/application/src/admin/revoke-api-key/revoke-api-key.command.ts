import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply, Principal } from '@crm/shared/http';
import type { RevokeApiKeyRequestDto } from './revoke-api-key.request.dto';

export class RevokeApiKeyCommand extends Command<CommandReply> {
  constructor(
    readonly keyId: string,
    readonly input: Omit<RevokeApiKeyRequestDto, 'commandId'>,
    readonly principal: Principal,
    readonly context: CommandContext,
  ) {
    super();
  }
}
