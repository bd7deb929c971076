import { applyDecorators, Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  FUNNEL_GROUPINGS,
  FUNNEL_SCHEMA,
  CAMPAIGN_PERFORMANCE_SCHEMA,
  OPPORTUNITY_PAGE_SCHEMA,
  PIPELINE_SUMMARY_SCHEMA,
  loadCampaignPerformance,
  loadFunnel,
  loadOpportunityList,
  loadPipelineSummary,
  MARKETING_MISSING_NOTE,
  MAX_PAGE,
  OPPORTUNITY_SORTS,
  OPPORTUNITY_STATUSES,
  pipelineLeads,
  pipelineOpportunities,
  type CampaignPerformance,
  type Funnel,
  type FunnelGrouping,
  type OpportunityPage,
  type OpportunitySort,
  type OpportunityStatus,
  type PipelineSummary,
} from '@crm/projections/pipeline';
import { LEAD_SOURCES, OPEN_STAGES, type LeadSource, type OpenStage } from '@crm/sales/domain';
import { DEFAULT_TENANT, DomainError } from '@crm/shared/event-sourcing';
import { problemSchema, RequestValidationError } from '@crm/shared/http';
import { ReadModels } from '../read-models/read-models.service';
import { MinPositionQueryDto } from './min-position.dto';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date: the shape and a real day (no 30 February). */
const DateParam = (description: string): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ description, example: '2026-03-20', format: 'date' }),
    IsOptional(),
    Matches(DATE, { message: '$property must be a date like 2026-03-20' }),
    IsISO8601({ strict: true }),
  );

/** Ids are stored lower-case, as the command side keeps them. */
const IdFilter = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ format: 'uuid' }),
    IsOptional(),
    IsUUID(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toLowerCase() : value)),
  );

class PeriodQueryDto extends MinPositionQueryDto {
  @DateParam('First day of the period (inclusive)')
  from?: string;

  @DateParam('Last day of the period (inclusive)')
  to?: string;
}

export class PipelineQueryDto extends PeriodQueryDto {
  @ApiPropertyOptional({ description: 'Only deals owned by this user' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ownerId?: string;
}

export class FunnelQueryDto extends PeriodQueryDto {
  @ApiPropertyOptional({ enum: [...FUNNEL_GROUPINGS], default: 'source' })
  @IsOptional()
  @IsIn(FUNNEL_GROUPINGS)
  by?: FunnelGrouping;
}

export class OpportunityListQueryDto extends MinPositionQueryDto {
  @ApiPropertyOptional({ enum: OPEN_STAGES, description: 'The open stage, or the one a closed deal was won or lost from' })
  @IsOptional()
  @IsIn(OPEN_STAGES)
  stage?: OpenStage;

  @ApiPropertyOptional({ enum: OPPORTUNITY_STATUSES })
  @IsOptional()
  @IsIn(OPPORTUNITY_STATUSES)
  status?: OpportunityStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
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

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Minimum amount, minor units' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  amountMin?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Maximum amount, minor units' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  amountMax?: number;

  @DateParam('Expected close date from (inclusive)')
  expectedCloseFrom?: string;

  @DateParam('Expected close date to (inclusive)')
  expectedCloseTo?: string;

  @ApiPropertyOptional({ enum: OPPORTUNITY_SORTS, default: 'openedAt' })
  @IsOptional()
  @IsIn(OPPORTUNITY_SORTS)
  sort?: OpportunitySort;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

type Bound = string | number | undefined;

/** A range given upside down is a bad request, not an empty answer. */
function assertOrdered(pairs: readonly (readonly [field: string, low: Bound, high: Bound])[]): void {
  const errors = pairs
    .filter(([, low, high]) => low !== undefined && high !== undefined && low > high)
    .map(([field]) => ({ field, messages: [`${field} must not be before its lower bound`] }));
  if (errors.length > 0) throw new RequestValidationError(errors);
}

const problems = { content: { 'application/problem+json': { schema: problemSchema } } };
const notCaughtUp = { status: 503, description: 'Read model not at minPosition yet (Retry-After)', ...problems };
const badRequest = { status: 400, description: 'Invalid query parameters, every bad one listed', ...problems };

@ApiTags('views')
@Controller('views')
export class PipelineViewsController {
  constructor(private readonly readModels: ReadModels) {}

  @Get('pipeline')
  @ApiOperation({
    summary: 'Pipeline per stage: count, total and weighted total; win rate, average sales cycle, sales velocity',
    description:
      'Period (from/to) is on closing dates: won/lost deals by the day they closed, open deals by their expected close date. ' +
      'Weighted = Σ amount × the deal’s probability (stage default unless overridden); won weigh 100 %, lost 0. ' +
      'Win rate = won ÷ (won + lost) in the period. Average cycle = mean days opened → won over deals won in the period. ' +
      'Sales velocity = open deals × average won deal × win rate ÷ average cycle days, per currency per day.',
  })
  @ApiOkResponse({ schema: PIPELINE_SUMMARY_SCHEMA })
  @ApiResponse(badRequest)
  @ApiResponse(notCaughtUp)
  async pipeline(@Query() query: PipelineQueryDto): Promise<PipelineSummary> {
    assertOrdered([['to', query.from, query.to]]);
    const collection = await this.readModels.collection(pipelineOpportunities.name, query.minPosition);
    return loadPipelineSummary(this.readModels.store, collection, DEFAULT_TENANT, query);
  }

  @Get('pipeline/opportunities')
  @ApiOperation({ summary: 'Opportunity rows, filtered, sorted and paged (limit ≤ 200)' })
  @ApiOkResponse({ schema: OPPORTUNITY_PAGE_SCHEMA })
  @ApiResponse(badRequest)
  @ApiResponse(notCaughtUp)
  async opportunities(@Query() query: OpportunityListQueryDto): Promise<OpportunityPage> {
    assertOrdered([
      ['amountMax', query.amountMin, query.amountMax],
      ['expectedCloseTo', query.expectedCloseFrom, query.expectedCloseTo],
    ]);
    const collection = await this.readModels.collection(pipelineOpportunities.name, query.minPosition);
    return loadOpportunityList(this.readModels.store, collection, DEFAULT_TENANT, query);
  }

  @Get('funnel')
  @ApiOperation({
    summary: 'Leads → qualified → opportunities → won, with conversion rates, by source or campaign',
    description:
      'Period (from/to) is on the lead capture date; each lead is followed to wherever it got since. ' +
      'Opportunities = qualified leads whose deal has been opened; won = those won (and not reopened). Rates are each step ÷ the one before, and won ÷ leads.',
  })
  @ApiOkResponse({ schema: FUNNEL_SCHEMA })
  @ApiResponse(badRequest)
  @ApiResponse(notCaughtUp)
  async funnel(@Query() query: FunnelQueryDto): Promise<Funnel> {
    assertOrdered([['to', query.from, query.to]]);
    return loadFunnel(this.readModels.store, await this.collections(query.minPosition), DEFAULT_TENANT, query);
  }

  @Get('campaigns/:id/performance')
  @ApiOperation({
    summary: 'What sales events tell of a campaign: its leads, qualified, opportunities, won count and revenue',
    description: `${MARKETING_MISSING_NOTE} Opportunities count deals from the campaign's leads and deals opened directly with its id.`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ schema: CAMPAIGN_PERFORMANCE_SCHEMA })
  @ApiResponse(badRequest)
  @ApiResponse({ status: 404, description: 'No lead or opportunity names this campaign', ...problems })
  @ApiResponse(notCaughtUp)
  async campaignPerformance(
    @Param(
      'id',
      new ParseUUIDPipe({ exceptionFactory: () => new RequestValidationError([{ field: 'id', messages: ['id must be a UUID'] }]) }),
    )
    id: string,
    @Query() query: MinPositionQueryDto,
  ): Promise<CampaignPerformance> {
    const campaignId = id.toLowerCase();
    const performance = await loadCampaignPerformance(
      this.readModels.store,
      await this.collections(query.minPosition),
      DEFAULT_TENANT,
      campaignId,
    );
    if (!performance) {
      throw new DomainError('CAMPAIGN.NOT_FOUND', `No lead or opportunity is attributed to campaign ${campaignId}`, { campaignId });
    }
    return performance;
  }

  /** Both sales read models, each caught up to minPosition. */
  private async collections(minPosition: string | undefined) {
    const [leads, opportunities] = await Promise.all([
      this.readModels.collection(pipelineLeads.name, minPosition),
      this.readModels.collection(pipelineOpportunities.name, minPosition),
    ]);
    return { leads, opportunities };
  }
}
