import { Body, Controller, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { ApiCommand, Ctx, type CommandContext, type CommandReply } from '@crm/shared/http';
import { RecordSurveyResponseCommand } from './record-survey-response/record-survey-response.command';
import { RecordSurveyResponseRequestDto } from './record-survey-response/record-survey-response.request.dto';
import { surveyResponseDecider } from '@crm/service/domain';

/** The aggregate these routes decide on: its declared refusals are what they answer. */
const DECIDES = { decides: [surveyResponseDecider] };

@ApiTags('surveys')
@Controller('surveys')
export class SurveyController {
  constructor(private readonly commands: CommandBus) {}

  @Post('responses')
  @ApiCommand({
    ...DECIDES,
    refersTo: ['lead', 'contact', 'account', 'opportunity', 'quote', 'complaint', 'campaign'],
    summary: 'Record a survey response (CSAT, NPS, CES, SERVQUAL)',
    creates: true,
  })
  record(@Body() body: RecordSurveyResponseRequestDto, @Ctx() ctx: CommandContext): Promise<CommandReply> {
    return this.commands.execute(new RecordSurveyResponseCommand(body, ctx));
  }
}
