import { applyDecorators, type Type as ClassType } from '@nestjs/common';
import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateIf, ValidateNested } from 'class-validator';
import { SURVEY_SCALES, SURVEY_TYPES, type SurveyType } from '@crm/service/domain';
import { IntField, NestedField, NestedObjectCheck } from '@crm/shared/http';

// One class per survey type, so class-validator names the offending path itself
// (`answers.score`, `answers.perceptions.empathy`) with the scale that type uses.
export class CsatAnswersDto {
  @IntField(SURVEY_SCALES.csat.min, SURVEY_SCALES.csat.max, { description: 'CSAT: 1 (very dissatisfied) to 5 (very satisfied)' })
  score!: number;
}

export class NpsAnswersDto {
  @IntField(SURVEY_SCALES.nps.min, SURVEY_SCALES.nps.max, { description: 'NPS: likelihood to recommend, 0 to 10' })
  score!: number;
}

export class CesAnswersDto {
  @IntField(SURVEY_SCALES.ces.min, SURVEY_SCALES.ces.max, { description: 'CES: effort, 1 to 7' })
  score!: number;
}

export class ServqualScoresDto {
  @IntField(SURVEY_SCALES.servqual.min, SURVEY_SCALES.servqual.max)
  tangibles!: number;

  @IntField(SURVEY_SCALES.servqual.min, SURVEY_SCALES.servqual.max)
  reliability!: number;

  @IntField(SURVEY_SCALES.servqual.min, SURVEY_SCALES.servqual.max)
  responsiveness!: number;

  @IntField(SURVEY_SCALES.servqual.min, SURVEY_SCALES.servqual.max)
  assurance!: number;

  @IntField(SURVEY_SCALES.servqual.min, SURVEY_SCALES.servqual.max)
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
export const ANSWER_SHAPES = Object.fromEntries(Object.entries(ANSWERS_BY_TYPE).map(([type, model]) => [type, () => model]));

function surveyTypeOf(body: unknown): SurveyType | undefined {
  const type = (body as { surveyType?: unknown } | null)?.surveyType;
  return SURVEY_TYPES.find((known) => known === type);
}

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `answers` takes the shape its sibling `surveyType` names. Every shape is an object, so that much is checked
 * whatever the type says (a bad type must not hide a bad `answers`: the 400 names both). With an unknown type an
 * object has no shape to be checked against: its keys and scales wait for a type that names one.
 */
export function AnswersField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({
      oneOf: ANSWER_MODELS.map((model) => ({ $ref: getSchemaPath(model) })),
      description:
        'csat { score 1–5 }, nps { score 0–10 }, ces { score 1–7 }, servqual { expectations, perceptions } (five dimensions, 1–7)',
    }),
    // Skipped only for an object under an unknown type; anything else is refused by NestedObjectCheck ("must be an
    // object", its contents unreported) or walked against the type's shape.
    ValidateIf((body: unknown, value: unknown) => surveyTypeOf(body) !== undefined || !isObject(value)),
    NestedObjectCheck(),
    ValidateNested(),
    Type((help) => ANSWERS_BY_TYPE[surveyTypeOf(help?.object) ?? 'csat']),
  );
}
