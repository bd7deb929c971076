import { Command } from '@nestjs/cqrs';
import type { CommandContext, Principal } from '@crm/shared/http';
import type { CreatedApiKey } from '../api-key-replies';
import type { CreateApiKeyRequestDto } from './create-api-key.request.dto';

export class CreateApiKeyCommand extends Command<CreatedApiKey> {
  constructor(
    readonly input: Omit<CreateApiKeyRequestDto, 'commandId'>,
    readonly principal: Principal,
    readonly context: CommandContext,
  ) {
    super();
  }
}
