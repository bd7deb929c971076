import { applyDecorators, type Type as ClassType } from '@nestjs/common';
import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, ValidateIf, ValidateNested } from 'class-validator';
import { SURVEY_SCALES, SURVEY_TYPES, type SurveyType } from '@crm/service/domain';
import { NestedField, ScaleField } from '../../shared/fields';

// One class per survey type, so class-validator names the offending path itself
// (`answers.score`, `answers.perceptions.empathy`) with the scale that type uses.
export class CsatAnswersDto {
  @ScaleField(SURVEY_SCALES.csat, { description: 'CSAT: 1 (very dissatisfied) to 5 (very satisfied)' })
  score!: number;
}

export class NpsAnswersDto {
  @ScaleField(SURVEY_SCALES.nps, { description: 'NPS: likelihood to recommend, 0 to 10' })
  score!: number;
}

export class CesAnswersDto {
  @ScaleField(SURVEY_SCALES.ces, { description: 'CES: effort, 1 to 7' })
  score!: number;
}

export class ServqualScoresDto {
  @ScaleField(SURVEY_SCALES.servqual)
  tangibles!: number;

  @ScaleField(SURVEY_SCALES.servqual)
  reliability!: number;

  @ScaleField(SURVEY_SCALES.servqual)
  responsiveness!: number;

  @ScaleField(SURVEY_SCALES.servqual)
  assurance!: number;

  @ScaleField(SURVEY_SCALES.servqual)
  empathy!: number;
}

export class ServqualAnswersDto {
  @NestedField(() => ServqualScoresDto)
  expectations!: ServqualScoresDto;

  @NestedField(() => ServqualScoresDto)
  perceptions!: ServqualScoresDto;
}

export type SurveyAnswersDto = CsatAnswersDto | NpsAnswersDto | CesAnswersDto | ServqualAnswersDto;

const ANSWERS_BY_TYPE: Readonly<Record<SurveyType, ClassType<SurveyAnswersDto>>> = {
  csat: CsatAnswersDto,
  nps: NpsAnswersDto,
  ces: CesAnswersDto,
  servqual: ServqualAnswersDto,
};

export const ANSWER_MODELS = Object.values(ANSWERS_BY_TYPE);

function surveyTypeOf(body: unknown): SurveyType | undefined {
  const type = (body as { surveyType?: unknown } | null)?.surveyType;
  return SURVEY_TYPES.find((known) => known === type);
}

/**
 * `answers` takes the shape its sibling `surveyType` names. With an unknown type there
 * is no shape to check against, so only `surveyType` is reported.
 */
export function AnswersField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      oneOf: ANSWER_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
      description:
        'csat { score 1–5 }, nps { score 0–10 }, ces { score 1–7 }, servqual { expectations, perceptions } (five dimensions, 1–7)',
    }),
    ValidateIf((body: unknown) => surveyTypeOf(body) !== undefined),
    IsDefined(),
    ValidateNested(),
    Type((help) => ANSWERS_BY_TYPE[surveyTypeOf(help?.object) ?? 'csat']),
  );
}
