import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, Ctx, type CommandContext, type CommandReply } from '@crm/shared/http';
import { RecordSurveyResponseCommand } from './record-survey-response/record-survey-response.command';
import { RecordSurveyResponseRequestDto } from './record-survey-response/record-survey-response.request.dto';

@ApiTags('surveys')
@Controller('surveys')
export class SurveyController {
  constructor(private readonly commands: CommandBus) {}

  @Post('responses')
  @ApiCommand({
    summary: 'Record a survey response (CSAT, NPS, CES, SERVQUAL)',
    creates: true,
    refusals: ['STREAM.ALREADY_EXISTS', 'SURVEY.ANSWERS_MISMATCH', 'SURVEY.SCORE_OUT_OF_RANGE'],
  })
  record(@Body() body: RecordSurveyResponseRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RecordSurveyResponseCommand(body, ctx));
  }
}
