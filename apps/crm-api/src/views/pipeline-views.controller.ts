import { createHmac } from 'node:crypto';
import { Controller, Get, Inject, Query } from '@nestjs/common';
import { METRIC_DEFINITIONS as M } from './metric-definitions';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import {
  FUNNEL_SCHEMA,
  InvalidCursorError,
  CAMPAIGN_PERFORMANCE_SCHEMA,
  OPPORTUNITY_PAGE_SCHEMA,
  PIPELINE_SUMMARY_SCHEMA,
  loadCampaignPerformance,
  loadFunnel,
  loadFunnelAsOf,
  loadOpportunityList,
  loadPipelineSummary,
  loadPipelineSummaryAsOf,
  pipelineLeads,
  pipelineOpportunities,
  type CampaignPerformance,
  type Funnel,
  type OpportunityPage,
  type PipelineSummary,
} from '@crm/projections/pipeline';
import { marketingAudience, marketingCampaigns, marketingListMembers, marketingLists } from '@crm/projections/marketing';
import { DomainError } from '@crm/shared/event-sourcing';
import { type Clock, NOT_FOUND } from '@crm/shared/kernel';
import { type AsOfDay, KeptAnswers, timeRange } from '@crm/shared/read-model';
import {
  ApiBadQuery,
  ApiNotCaughtUp,
  ApiProblem,
  CLOCK,
  FINGERPRINT_KEY,
  RequestValidationError,
  Tenant,
  UuidParam,
} from '@crm/shared/http';
import { ReadModels } from '../read-models/read-models.service';
import { MinPositionQueryDto } from './min-position.dto';
import { FunnelQueryDto, OpportunityListQueryDto, PIPELINE_AS_OF_ALONE, PipelineQueryDto } from './pipeline-views.dto';
import { asOfBusinessDay, assertRules, assertStartsBy } from './view-bounds';

type Bound = string | number | undefined;

/** A range given upside down is a bad request, not an empty answer. */
function assertOrdered(pairs: readonly (readonly [field: string, low: Bound, high: Bound])[]): void {
  const errors = pairs
    .filter(([, low, high]) => low !== undefined && high !== undefined && low > high)
    .map(([field]) => ({ field, messages: [`${field} must not be before its lower bound`] }));
  if (errors.length > 0) throw new RequestValidationError(errors);
}

/** What asOf does on the pipeline and the funnel (API.md: an aggregate view as of a past instant is exact to the day). */
const AS_OF_TEXT =
  'With asOf (not with from/to): the figures as they stood at the end of the business day holding asOf (asOfPrecision day; asOf in the ' +
  'reply is the last instant of that day, or now for today): every event recorded by then counts, whatever the hour asOf named, none recorded after. ' +
  'A later asOf than now is read as now. Read from dated ledgers of the totals (what each business day changed, kept per year, month ' +
  'and day): at most (its year − 1900) + 11 + 31 small documents, whatever the size of the history.';

@ApiTags('views')
@Controller('views')
export class PipelineViewsController {
  /** The funnel's answers, kept per tenant, collections and filters (docs/views-at-scale.md, "Funnel answers kept"). */
  private readonly funnels = new KeptAnswers<Funnel>();

  /** The pipeline's answers as of a past day, kept per tenant, collection, owner and day (the same rule). */
  private readonly pipelinesAsOf = new KeptAnswers<PipelineSummary>();

  /** Cursors of the opportunity list are tagged with a key of the server's own (opportunity-list.ts). */
  private readonly cursorKey: Buffer;

  constructor(
    private readonly readModels: ReadModels,
    @Inject(FINGERPRINT_KEY) serverSecret: Buffer,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.cursorKey = createHmac('sha256', serverSecret).update('crm.opportunity-list.cursor').digest();
  }

  @Get('pipeline')
  @ApiOperation({
    summary: 'Pipeline per stage: count, total and weighted total; win rate, average sales cycle, sales velocity',
    description:
      'Period (from/to) is on closing dates, in business days (the business time zone, CRM_BUSINESS_TIME_ZONE, Asia/Tehran by default): ' +
      'won/lost deals by the business day they closed, open deals by their expected close date. ' +
      'Weighted = Σ amount × the deal’s probability (stage default unless overridden); won weigh 100 %, lost 0; summed exactly and ' +
      'rounded once, so the rounded `weightedAmount` of the list’s rows need not add up to it. ' +
      'Win rate = won ÷ (won + lost) in the period. Average cycle = mean days opened → won over deals won in the period. ' +
      M.salesVelocity +
      ' ' +
      M.rounding +
      ' Read from totals the projection keeps per status, stage, currency, owner and closing business month, plus the deals of a part-month ' +
      'at either edge of the period: exact to the day, whatever the size of the history. ' +
      AS_OF_TEXT,
  })
  @ApiOkResponse({ schema: PIPELINE_SUMMARY_SCHEMA })
  @ApiBadQuery()
  @ApiNotCaughtUp()
  async pipeline(@Query() query: PipelineQueryDto, @Tenant() tenantId: string): Promise<PipelineSummary | (PipelineSummary & AsOfDay)> {
    assertOrdered([['to', query.from, query.to]]);
    assertRules(query, PIPELINE_AS_OF_ALONE);
    const collection = await this.readModels.collection(pipelineOpportunities.name, query.minPosition);
    if (query.asOf === undefined) return loadPipelineSummary(this.readModels.store, collection, tenantId, query);
    const { day, reply } = asOfBusinessDay(query.asOf, this.clock.now().getTime());
    // Kept while the deals' projection has applied nothing since (a past day's figures are made of a few hundred kB of
    // ledger documents at 100k events, about 9 ms).
    const key = JSON.stringify([tenantId, collection, query.ownerId ?? null, day]);
    const summary = await this.pipelinesAsOf.answer(this.readModels.store, [pipelineOpportunities], key, () =>
      loadPipelineSummaryAsOf(this.readModels.store, collection, tenantId, query, day),
    );
    return { ...summary, ...reply };
  }

  @Get('pipeline/opportunities')
  @ApiOperation({
    summary: 'Opportunity rows, filtered, sorted and paged (limit ≤ 200)',
    description:
      'Page on with `cursor` = the reply’s `nextCursor` (keyset: the rows after the last one, in the same sort and order; ties break on the id, in the same order: a descending page is the ascending one reversed). ' +
      'A walk page by page gives each deal that does not change meanwhile exactly once; a deal whose sort value changes ' +
      'between two pages moves in the order, and may be seen twice or not at all (its new place before or after the cursor). ' +
      '`total` counts every matching row.',
  })
  @ApiOkResponse({ schema: OPPORTUNITY_PAGE_SCHEMA })
  @ApiBadQuery()
  @ApiNotCaughtUp()
  async opportunities(@Query() query: OpportunityListQueryDto, @Tenant() tenantId: string): Promise<OpportunityPage> {
    assertOrdered([
      ['amountMax', query.amountMin, query.amountMax],
      ['expectedCloseTo', query.expectedCloseFrom, query.expectedCloseTo],
    ]);
    if (query.cursor !== undefined && (query.offset ?? 0) > 0) {
      throw new RequestValidationError([
        { field: 'offset', messages: ['offset cannot be combined with cursor: the cursor already says where the page starts'] },
      ]);
    }
    const collection = await this.readModels.collection(pipelineOpportunities.name, query.minPosition);
    try {
      return await loadOpportunityList(this.readModels.store, collection, tenantId, query, this.cursorKey);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new RequestValidationError([{ field: 'cursor', messages: [error.message] }]);
      throw error;
    }
  }

  @Get('funnel')
  @ApiOperation({
    summary: 'Leads → qualified → opportunities → won, with conversion rates, by source or campaign',
    description:
      'Period (from/to) is on the lead capture date, in business days (the business time zone, CRM_BUSINESS_TIME_ZONE, Asia/Tehran by default); ' +
      'each lead is followed to wherever it got since. ' +
      'Opportunities = qualified leads whose deal has been opened; won = those won (and not reopened). Rates are each step ÷ the one before, and won ÷ leads. ' +
      'By campaign, each group also carries the campaign name (null when the campaign was never planned in marketing). ' +
      M.funnelDirect +
      ' ' +
      M.rounding +
      ' Every count comes from totals kept per source or campaign, status, currency and the lead’s capture business month (exact to the day), ' +
      'leads and their deals in one read model (each lead counted once, by its deal once qualified): a group never shows more qualified ' +
      'leads than leads, nor more opportunities than qualified leads, even while commands are being recorded (in the part-month at an ' +
      'edge of a period, read in two queries, a lead qualified between them may count twice or not at all for that moment). Pass ' +
      'minPosition to read your own writes. ' +
      AS_OF_TEXT +
      ' Campaign names are those the campaigns have now.',
  })
  @ApiOkResponse({ schema: FUNNEL_SCHEMA })
  @ApiBadQuery()
  @ApiNotCaughtUp()
  async funnel(@Query() query: FunnelQueryDto, @Tenant() tenantId: string): Promise<Funnel | (Funnel & AsOfDay)> {
    assertOrdered([['to', query.from, query.to]]);
    assertRules(query, PIPELINE_AS_OF_ALONE);
    // Leads captured from a day still to come: none yet (the pipeline's period is on closing dates, which may lie ahead).
    assertStartsBy(timeRange(query.from), this.clock.now().getTime(), 'now');
    const [sales, campaigns] = await Promise.all([
      this.collections(query.minPosition),
      this.readModels.collection(marketingCampaigns.name, query.minPosition),
    ]);
    const collections = { ...sales, campaigns };
    const asOf = query.asOf === undefined ? undefined : asOfBusinessDay(query.asOf, this.clock.now().getTime());
    // Kept while none of its projections has applied anything since (pipeline-leads only where the deals' read model
    // has no funnel documents yet): a dashboard that refreshes an unchanged funnel costs three checkpoint reads (the funnel by campaign is made from about 465 kB of summaries at 1M events).
    const key = JSON.stringify([tenantId, collections, query.by ?? 'source', query.from ?? null, query.to ?? null, asOf?.day ?? null]);
    const funnel = await this.funnels.answer(this.readModels.store, [pipelineLeads, pipelineOpportunities, marketingCampaigns], key, () =>
      asOf === undefined
        ? loadFunnel(this.readModels.store, collections, tenantId, query)
        : loadFunnelAsOf(this.readModels.store, collections, tenantId, query, asOf.day),
    );
    return asOf === undefined ? funnel : { ...funnel, ...asOf.reply };
  }

  @Get('campaigns/:id/performance')
  @ApiOperation({
    summary: 'Campaign performance: targets, responses, leads, opportunities, won revenue, cost, ROI',
    description:
      'Targets = distinct records across the target lists now: static lists by membership, dynamic lists by evaluating their criteria ' +
      'on current lead/account/contact attributes. Reachable contacts = contact targets with consent for the campaign channel ' +
      '(email, sms, phone; print needs letter consent; other channels need none); a contact that answered a campaign with `unsubscribe` has ' +
      'its consent for that channel withdrawn, until it grants it again. ' +
      'Response rate = distinct responders among the targets ÷ targets, both against the targets as they stand now, so it never passes 1; ' +
      'responders who are not among them (a forwarded message’s reader, a record taken off a list since) are counted apart in `untargetedResponders`. ' +
      "Leads are those captured with the campaign's id; opportunities count deals from its leads and deals opened directly with its id. " +
      'Cost per lead = cost ÷ leads; ROI = (won revenue − cost) ÷ cost, null when the cost is 0 or revenue is in another currency. ' +
      'A campaign named only by sales events (never planned in marketing) answers with what sales knows: marketing fields are null and `missing` lists them.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ schema: CAMPAIGN_PERFORMANCE_SCHEMA })
  @ApiBadQuery()
  @ApiProblem(404, 'No campaign was planned with this id and no lead or opportunity names it', [NOT_FOUND.campaign])
  @ApiNotCaughtUp()
  async campaignPerformance(
    @UuidParam('id') campaignId: string,
    @Query() query: MinPositionQueryDto,
    @Tenant() tenantId: string,
  ): Promise<CampaignPerformance> {
    const { minPosition } = query;
    const [sales, marketing] = await Promise.all([this.collections(minPosition), this.marketingCollections(minPosition)]);
    const performance = await loadCampaignPerformance(this.readModels.store, { ...sales, ...marketing }, tenantId, campaignId);
    if (!performance) {
      throw new DomainError(NOT_FOUND.campaign, `No campaign ${campaignId}: none was planned and no lead or opportunity names it`, {
        campaignId,
      });
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

  /** The marketing read models a campaign's performance needs, each caught up to minPosition. */
  private async marketingCollections(minPosition: string | undefined) {
    const collection = (name: string) => this.readModels.collection(name, minPosition);
    const [campaigns, lists, members, audience] = await Promise.all([
      collection(marketingCampaigns.name),
      collection(marketingLists.name),
      collection(marketingListMembers.name),
      collection(marketingAudience.name),
    ]);
    return { campaigns, lists, members, audience };
  }
}
