import { ApiExtraModels } from '@nestjs/swagger';
import {
  AlsoChecks,
  CommandRequestDto,
  documentDiscriminated,
  EnumField,
  IdField,
  NestedField,
  TextField,
  TimeField,
} from '@crm/shared/http';
import { assertGivenBy, SURVEY_REFUSALS, SURVEY_TYPES, type ServiceChannel, type SurveyType } from '@crm/service/domain';
import { PartyDto, PartyField, RelatedToDto } from '../../shared/party.dto';
import { MAX, SERVICE_CHANNELS } from '../../shared/vocabulary';
import { ANSWER_MODELS, ANSWER_SHAPES, AnswersField, type SurveyAnswersDto } from './survey-answers.dto';

/** One ISO 10004 measurement: CSAT, NPS, CES or SERVQUAL, scales checked per type here and again in the domain. */
@ApiExtraModels(...ANSWER_MODELS)
@AlsoChecks({
  reads: ['respondedAt'],
  check: ({ respondedAt }, now) => {
    if (typeof respondedAt === 'string') assertGivenBy('respondedAt', respondedAt, now, SURVEY_REFUSALS.TIME_IN_FUTURE);
  },
})
export class RecordSurveyResponseRequestDto extends CommandRequestDto {
  @IdField({ optional: true, description: 'Client-chosen response id; the server makes one when absent' })
  id?: string;

  @EnumField(SURVEY_TYPES, { example: 'nps' })
  surveyType!: SurveyType;

  @PartyField({ description: '{ contactId } | { accountId } | { name, phone?, email? }' })
  respondent!: PartyDto;

  @AnswersField()
  answers!: SurveyAnswersDto;

  @EnumField(SERVICE_CHANNELS, { optional: true })
  channel?: ServiceChannel;

  @IdField({ optional: true, description: 'The campaign the survey was sent in' })
  campaignId?: string;

  @NestedField(() => RelatedToDto, { optional: true })
  relatedTo?: RelatedToDto;

  @TextField(MAX.short, { optional: true })
  comment?: string;

  @TimeField('instant', {
    optional: true,
    description:
      "When the answers were given (a paper or phone survey entered later): the satisfaction periods and the customer's last activity count it then. Now when absent; a time after the moment it is recorded (beyond a 5-minute clock skew) is refused 400 SURVEY.TIME_IN_FUTURE.",
  })
  respondedAt?: string;
}

documentDiscriminated(() => RecordSurveyResponseRequestDto, 'surveyType', 'answers', ANSWER_SHAPES);
