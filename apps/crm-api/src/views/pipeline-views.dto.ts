import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsUUID, Matches } from 'class-validator';
import {
  FUNNEL_GROUPINGS,
  MAX_PAGE,
  OPPORTUNITY_SORTS,
  OPPORTUNITY_STATUSES,
  type FunnelGrouping,
  type OpportunitySort,
  type OpportunityStatus,
} from '@crm/projections/pipeline';
import { LEAD_SOURCES, OPEN_STAGES, type LeadSource, type OpenStage } from '@crm/sales/domain';
import {
  AlsoChecks,
  ANY_DIGIT_SCRIPT_TEXT,
  Check,
  DATE_PATTERN,
  DigitsInAnyScript,
  FIRST_YEAR,
  inAnyDigitScript,
  CursorQueryField,
  IntQueryField,
  LAST_YEAR,
  RequestValidationError,
  PrincipalIdFilter,
  yearsProblem,
  type BodyRule,
} from '@crm/shared/http';
import { DateOrInstant } from './date-or-instant';
import { MinPositionQueryDto } from './min-position.dto';
import { asOfWithoutPeriod, startsBy } from './view-bounds';

/** Query parameters of the pipeline, funnel and opportunity views: shapes checked at the edge. */

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A calendar date: the shape and a real day (no 30 February), its digits in any of the three scripts (`DigitsInAnyScript`).
 * No `format: date` in the document: RFC 3339's full-date is ASCII digits, and a client checking it would refuse ۲۰۲۶-۰۳-۲۰.
 */
const DateParam = (description: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      description: `${description}. A date, YYYY-MM-DD; a real calendar day, years ${FIRST_YEAR}–${LAST_YEAR}. ${ANY_DIGIT_SCRIPT_TEXT}.`,
      example: '2026-03-20',
      pattern: inAnyDigitScript(DATE_PATTERN),
    }),
    DigitsInAnyScript(),
    IsOptional(),
    Matches(DATE, { message: '$property must be a date like 2026-03-20' }),
    IsISO8601({ strict: true }),
    Check('years', yearsProblem),
  );

/**
 * The upper bound `high` of a range is refused below `low`, named beside the query's other bad parameters in one 400
 * (the controller's `assertOrdered` says the same once the field checks pass). Dates (YYYY-MM-DD) compare as written,
 * amounts (digits only, the field checks see to it) as numbers.
 */
const notBelow = (low: string, high: string, as: 'date' | 'amount'): BodyRule => ({
  reads: [low, high],
  check: (query) => {
    const [from, to] = [query[low], query[high]];
    if (typeof from !== 'string' || typeof to !== 'string') return;
    if (as === 'date' ? from > to : Number(from) > Number(to)) {
      throw new RequestValidationError([{ field: high, messages: [`${high} must not be before its lower bound`] }]);
    }
  },
});

/** Ids are stored lower-case, as the command side keeps them. */
export const IdFilter = (description?: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ format: 'uuid', description }),
    IsOptional(),
    IsUUID(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value)),
  );

/**
 * Days are business days: calendar days in the business time zone (`CRM_BUSINESS_TIME_ZONE`, Asia/Tehran by default;
 * API.md), a deal's closing day and a lead's capture day among them. `from` starts at that day's first instant there,
 * `to` includes the whole of its day.
 */
@AlsoChecks(notBelow('from', 'to', 'date'))
class PeriodQueryDto extends MinPositionQueryDto {
  @DateParam(
    "First business day of the period (inclusive; the business time zone, CRM_BUSINESS_TIME_ZONE, Asia/Tehran by default): deals by their closing day, the funnel by its leads' capture day",
  )
  from?: string;

  @DateParam('Last business day of the period (inclusive: the whole day in the business time zone)')
  to?: string;
}

/** asOf with a period, refused by the field checks beside other bad parameters, and alone by the controller. */
export const PIPELINE_AS_OF_ALONE = asOfWithoutPeriod(
  'the figures as of a past day are kept for the whole history (a deal changes stage, status and closing date over time), not per closing or capture day',
);

/**
 * `asOf` on the pipeline and the funnel: their figures as they stood at the end of a past business day, from the dated
 * ledgers the deals' projection keeps (pipeline-as-of.ts) for the all-time figures only, so not with a period.
 */
@AlsoChecks(PIPELINE_AS_OF_ALONE)
class AsOfPeriodQueryDto extends PeriodQueryDto {
  @DateOrInstant(
    'The figures as they stood at the end of the business day holding this date or instant (the business time zone): every event recorded by then, none after. Not with from/to. At most now (a later asOf is read as now)',
  )
  asOf?: string;
}

export class PipelineQueryDto extends AsOfPeriodQueryDto {
  @PrincipalIdFilter('Only deals owned by this user')
  ownerId?: string;
}

/** Leads captured from a day still to come: none yet (the pipeline's period, on closing dates, may lie ahead). */
@AlsoChecks(startsBy())
export class FunnelQueryDto extends AsOfPeriodQueryDto {
  @ApiPropertyOptional({ enum: [...FUNNEL_GROUPINGS], default: 'source' })
  @IsOptional()
  @IsIn(FUNNEL_GROUPINGS)
  by?: FunnelGrouping;
}

@AlsoChecks(notBelow('amountMin', 'amountMax', 'amount'), notBelow('expectedCloseFrom', 'expectedCloseTo', 'date'))
export class OpportunityListQueryDto extends MinPositionQueryDto {
  @ApiPropertyOptional({ enum: OPEN_STAGES, description: 'The open stage, or the one a closed deal was won or lost from' })
  @IsOptional()
  @IsIn(OPEN_STAGES)
  stage?: OpenStage;

  @ApiPropertyOptional({ enum: OPPORTUNITY_STATUSES })
  @IsOptional()
  @IsIn(OPPORTUNITY_STATUSES)
  status?: OpportunityStatus;

  @PrincipalIdFilter('Only deals owned by this user')
  ownerId?: string;

  @IdFilter()
  accountId?: string;

  @IdFilter()
  campaignId?: string;

  @ApiPropertyOptional({ enum: LEAD_SOURCES, description: 'Source of the lead the deal was qualified from' })
  @IsOptional()
  @IsIn(LEAD_SOURCES)
  source?: LeadSource;

  @ApiPropertyOptional({ example: 'IRR', description: 'Only deals in this currency' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code such as IRR' })
  currency?: string;

  @IntQueryField(0, Number.MAX_SAFE_INTEGER, { description: 'Minimum amount, minor units' })
  amountMin?: number;

  @IntQueryField(0, Number.MAX_SAFE_INTEGER, { description: 'Maximum amount, minor units' })
  amountMax?: number;

  @DateParam('Expected close date from (inclusive)')
  expectedCloseFrom?: string;

  @DateParam('Expected close date to (inclusive)')
  expectedCloseTo?: string;

  @ApiPropertyOptional({
    enum: OPPORTUNITY_SORTS,
    default: 'openedAt',
    description:
      '`name` sorts in the Persian reading order (digits, then the Persian alphabet with پ چ ژ گ in their places, then ' +
      'Latin), whatever the keyboard the name was typed on (ي/ك as ی/ک). `stage` sorts in pipeline order, not by the ' +
      `stage's name: open deals by their stage (${OPEN_STAGES.join(', ')}), then won deals, then lost ` +
      'ones (whatever stage they closed from); within a stage by opportunity id. Every sort breaks its ties on the ' +
      'opportunity id in the same order: `desc` is exactly `asc` reversed, ties included',
  })
  @IsOptional()
  @IsIn(OPPORTUNITY_SORTS)
  sort?: OpportunitySort;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @IntQueryField(1, MAX_PAGE, { default: 50 })
  limit?: number;

  @IntQueryField(0, Number.MAX_SAFE_INTEGER, {
    default: 0,
    description: 'Rows to skip; the store still reads them. For deep pages use `cursor`, which cannot be combined with an offset',
  })
  offset?: number;

  @CursorQueryField(
    'filters',
    'The `nextCursor` of the page before (keyset paging: a deep page costs what the first does). Keep the filters, sort and order of the first page',
  )
  cursor?: string;
}
