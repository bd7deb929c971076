import { Command } from '@nestjs/cqrs';
import type { CommandContext, CommandReply } from '@crm/shared/http';
import type { RecordSurveyResponseRequestDto } from './record-survey-response.request.dto';

export class RecordSurveyResponseCommand extends Command<CommandReply> {
  constructor(
    readonly request: RecordSurveyResponseRequestDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}
