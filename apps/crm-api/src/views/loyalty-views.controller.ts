import { Controller, Get, Inject, Query } from '@nestjs/common';
import { METRIC_DEFINITIONS as M } from './metric-definitions';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNumber, IsOptional, Max, Min } from 'class-validator';
import {
  BUCKETS,
  buildPopulation,
  changeMarkerId,
  CHURN_VIEW_SCHEMA,
  customerHistories,
  DEFAULT_TIER_RULES,
  instantOf,
  loadCustomerSourcesWith,
  loadLoyaltySources,
  LOYALTY_PROJECTION_NAMES,
  LOYALTY_VIEW_SCHEMA,
  loyaltyProfileOf,
  parseTierRules,
  PopulationCache,
  updatePopulation,
  WON_DEALS_RULES,
  type Bucket,
  type BuiltPopulation,
  CHURN_REFUSALS,
  type ChurnReport,
  type LoyaltyCollections,
  type LoyaltyProfile,
  type PopulationCacheKey,
  type PopulationKey,
  type PopulationMarks,
  type TierRule,
  type WonDealsRule,
} from '@crm/projections/loyalty-churn';
import { DomainError } from '@crm/shared/event-sourcing';
import { AS_OF_PRECISION, readBatch, type AsOfPrecision, type BatchRead, type DocumentRecord } from '@crm/shared/read-model';
import {
  AlsoChecks,
  ApiBadQuery,
  ApiNotCaughtUp,
  ApiProblem,
  CLOCK,
  CurrentPrincipal,
  IntQueryField,
  RequestValidationError,
  Tenant,
  type Principal,
  UuidParam,
  type BodyRule,
} from '@crm/shared/http';
import { InvalidValueError, NOT_FOUND, type Clock } from '@crm/shared/kernel';
import { ReadModels } from '../read-models/read-models.service';
import { DateOrInstant } from './date-or-instant';
import { MinPositionQueryDto } from './min-position.dto';
import { asOfNoLaterThan } from './view-bounds';

/** Whole days, digits only as every query integer is ("0x10", "1e2", "+1" and "" are refused, not coerced). */
const WholeDays = (description: string, fallback: number): PropertyDecorator => IntQueryField(1, 3650, { description, default: fallback });

/** A plain decimal ("0.25", "1"): what `Number()` would also take ("0x1", "1e-400", "", " ") stays a string and is refused. */
const DECIMAL = /^\d{1,3}(?:\.\d{1,9})?$/;

class AsOfQueryDto extends MinPositionQueryDto {
  @DateOrInstant(
    'Compute as of this instant, or the end of this business day (Asia/Tehran unless CRM_BUSINESS_TIME_ZONE says otherwise); events recorded for later times are ignored. Default, and at most: now (a later asOf is read as now, and the reply says so)',
  )
  asOf?: string;

  @WholeDays('A customer with no purchase and no interaction for more than this many business days is lost', 180)
  inactivityDays?: number;

  @ApiPropertyOptional({
    enum: WON_DEALS_RULES,
    default: 'auto',
    description:
      'Won deals count as purchases: auto = a deal won before the account’s first purchase record (later deals come back as ' +
      'ERP invoices; a closed period changes only by late facts about that period), always, never',
  })
  @IsOptional()
  @IsIn(WON_DEALS_RULES)
  wonDeals?: WonDealsRule;
}

export class LoyaltyQueryDto extends AsOfQueryDto {
  @WholeDays('Frequency and monetary count the purchases of the last this many business days, asOf day included', 365)
  windowDays?: number;

  @ApiPropertyOptional({ description: 'Margin on revenue for customer value (0–1)', default: 0.3, minimum: 0, maximum: 1 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value))
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  margin?: number;
}

/** churnPeriods' own words. */
const CHURN_RANGE_MESSAGE = '`from` must not be after `to` (nor after asOf)';

/**
 * The end of churn's range the report would refuse (churnPeriods: `from` after `to`, or after asOf) as far as the query
 * says it: `to` when it is given and at or before asOf, else `from`. A `from` after now with no asOf is the handler's to find.
 */
function churnRangeFault({ from, to, asOf }: Record<string, unknown>): 'from' | 'to' | undefined {
  if (typeof from !== 'string') return undefined;
  const end = (value: unknown) => (typeof value === 'string' ? instantOf(value, 'to', 'end') : undefined);
  let start: number, last: number | undefined, until: number | undefined;
  try {
    [start, last, until] = [instantOf(from, 'from', 'start'), end(to), end(asOf)];
  } catch {
    return undefined; // a value the handler cannot read is named by it (`parsed`)
  }
  if (start <= Math.min(last ?? Infinity, until ?? Infinity)) return undefined;
  return last !== undefined && (until === undefined || last <= until) ? 'to' : 'from';
}

/**
 * Churn's range, named beside the query's other bad parameters. Alone, it is the report's to refuse, with its documented
 * code (CHURN.RANGE_INVALID), as before.
 */
const CHURN_RANGE: BodyRule = {
  reads: ['from', 'to', 'asOf'],
  check: (query) => {
    const field = churnRangeFault(query);
    if (field !== undefined) throw new RequestValidationError([{ field, messages: [CHURN_RANGE_MESSAGE] }]);
  },
};

@AlsoChecks(CHURN_RANGE)
export class ChurnQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({
    enum: BUCKETS,
    default: 'month',
    description: 'Months of the business time zone: Gregorian (YYYY-MM) or Jalali (e.g. 1404-01)',
  })
  @IsOptional()
  @IsIn(BUCKETS)
  bucket?: Bucket;

  @DateOrInstant('First period: the month holding this date. Default: 11 months (of the bucket’s calendar) before `to`, so twelve periods')
  from?: string;

  @DateOrInstant('Last period: the month holding this date (at most asOf). Default: asOf')
  to?: string;
}

/** Lets whatever else waits on the event loop run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** docs/views-at-scale.md "How each view reads". */
const EXACTNESS =
  'Exact to the instant: every figure counts what is dated up to asOf, to the millisecond. The ranks, base and churn rates over every ' +
  'customer are computed once per state of the read models and reused for a later asOf only when no dated fact lies between the two ' +
  '(same business day, after the latest fact) — the figures are the same either way.';

const AccountIdParam = (): ParameterDecorator => UuidParam('accountId');

/** The roles the loyalty card names the account to; an analyst's card carries figures only (API.md "Personal data"). */
const READS_NAMES: readonly string[] = ['sales', 'admin'];

/** Loyalty (RFM, churn risk, tier, customer value) and churn views (API.md "Queries"). */
@ApiTags('views')
@Controller('views')
export class LoyaltyViewsController {
  private readonly tierRules: readonly TierRule[];
  private readonly populations = new PopulationCache(8, nextTurn);

  constructor(
    private readonly readModels: ReadModels,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    // Checked while the app is built, so a bad table stops start-up with every problem listed, not a request later.
    const rules = process.env['CRM_TIER_RULES'];
    this.tierRules = rules === undefined || rules.trim() === '' ? DEFAULT_TIER_RULES : parseTierRules(rules);
  }

  @Get('customers/:accountId/loyalty')
  @ApiOperation({
    summary: "An account's loyalty: recency, frequency, monetary, RFM scores and segment, churn risk, tier, customer value",
    description:
      'RFM scores are quintiles (mid-rank, ties share a score) over the customers active at asOf; recency inverted. A lost customer keeps ' +
      'its recency, frequency and monetary values but gets no scores (rfm null) and the segment `churned`. Segments by precedence: ' +
      'champions (R≥4 F≥4), cant_lose_them (R=1 F=5), at_risk (R≤2 F≥3), lost (R=1 F=1), hibernating (R≤2 F≤2), loyal (F≥4), new (R=5 F=1), ' +
      'promising (R=4 F=1), potential_loyalist (R≥4 F≤3), need_attention (R=3 F=3), about_to_sleep (R=3 F≤2); prospect before a first purchase. ' +
      M.rfm +
      ' ' +
      M.wonDeals +
      ' Interactions are the complaints, feedback and survey responses of the account and its contacts, the interactions logged that came ' +
      'from the customer or were a conversation (inbound, or by phone or in person either way; not an email, SMS or letter we sent) and the ' +
      'calls and appointments completed (not tasks, nor emails, letters or SMS sent) regarding the account, its contacts or its deals, ' +
      'or its quotes and the complaints it or its contacts made (the customer recorded with the interaction). Churn risk points: inactivity ≥ ⅓ of ' +
      'the threshold 1, ≥ ⅔ 2; open complaint 1; latest NPS 0–6 1 → 0 low, 1 medium, 2+ high. Customer value = average order value × purchases ' +
      'per year × margin × 1 ÷ annual churn rate (lifetime at most 10 years), in the main currency. ' +
      EXACTNESS,
  })
  @ApiParam({ name: 'accountId', format: 'uuid' })
  @ApiOkResponse({ schema: LOYALTY_VIEW_SCHEMA })
  @ApiBadQuery()
  @ApiProblem(404, 'Unknown account, or one opened after asOf and without a purchase by then (details.openedAt)', [NOT_FOUND.account])
  @ApiNotCaughtUp()
  async loyalty(
    @AccountIdParam() accountId: string,
    @Query() query: LoyaltyQueryDto,
    @Tenant() tenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Omit<LoyaltyProfile, 'name'> & { name?: string } & AsOfPrecision> {
    const asOf = this.asOf(query.asOf);
    const rule = query.wonDeals ?? 'auto';
    const windowDays = query.windowDays ?? 365;
    const inactivityDays = query.inactivityDays ?? 180;
    const collections = await this.collections(query.minPosition);
    // The account's own rows, by key and index, read with the change markers (one round trip where the store
    // batches reads); every other account only through the population (kept between requests).
    const { own, extra: markers } = await loadCustomerSourcesWith(
      this.readModels.store,
      collections,
      tenantId,
      accountId,
      markerReads(tenantId, collections),
    );
    if (own === undefined) throw new DomainError(NOT_FOUND.account, `No account ${accountId}`, { accountId });
    const [history] = customerHistories(own, asOf, rule);
    // As of a moment before it was opened, and before its first purchase, there was no account to score (before, a
    // "prospect" with today's name). A history imported with its past dates (purchases from an ERP) makes it a customer
    // from its first purchase on, as churn counts it (an outside probe saw churn count one whose card answered 404).
    const openedAt = own.activities[0]?.openedAt;
    const nothingDated = history === undefined || history.purchases.length === 0;
    if (openedAt !== undefined && Date.parse(openedAt) > asOf && nothingDated)
      throw new DomainError(NOT_FOUND.account, `No account ${accountId} as of that moment: it was opened later`, { accountId, openedAt });
    const key: PopulationKey = { asOf, windowDays, inactivityDays, rule };
    const { cacheKey, marks } = cacheKeyOf(tenantId, collections, key, markers);
    const population = await this.populations.population(
      cacheKey,
      asOf,
      () => this.build(tenantId, collections, key, marks),
      (from) => updatePopulation(this.readModels.store, collections, tenantId, from, key, marks),
    );
    const profile = loyaltyProfileOf(history as NonNullable<typeof history>, population, {
      asOf,
      windowDays,
      inactivityDays,
      margin: query.margin ?? 0.3,
      tierRules: this.tierRules,
    });
    // An account opened for a person without a company is named after them: the name goes to those who read people.
    if (principal.roles.some((role) => READS_NAMES.includes(role))) return { ...profile, asOfPrecision: AS_OF_PRECISION };
    const { name: _personal, ...figures } = profile;
    return { ...figures, asOfPrecision: AS_OF_PRECISION };
  }

  @Get('churn')
  @ApiOperation({
    summary: 'Churn per month: active at start, new, churned, churn rate; retention by first-purchase cohort after 1, 3, 6, 12 months',
    description:
      'A customer (an account with a purchase) is lost when its account closes or after more than inactivityDays whole business days without ' +
      'a purchase or interaction (complaint, feedback, survey answer, logged interaction from the customer or by phone or in person, completed ' +
      'call or appointment; not an email, SMS or letter we sent). Churn rate = ' +
      'customers active at the period start lost in the period ÷ customers active at its start (a proportion, half to even at 4 decimals); ' +
      'customers not in that base (new or returned) and lost within the period are reported as lostOutsideBase, of them newAndLost. Retention: share of a cohort active 1, 3, 6, 12 calendar months after their own first purchase, among those ' +
      'for whom that date has come by asOf. ' +
      M.churn +
      ' ' +
      M.wonDeals +
      ' ' +
      M.rounding +
      ' ' +
      EXACTNESS,
  })
  @ApiOkResponse({ schema: CHURN_VIEW_SCHEMA })
  @ApiBadQuery({ refusals: Object.values(CHURN_REFUSALS) })
  @ApiNotCaughtUp()
  async churn(@Query() query: ChurnQueryDto, @Tenant() tenantId: string): Promise<ChurnReport & AsOfPrecision> {
    const asOf = this.asOf(query.asOf);
    const inactivityDays = query.inactivityDays ?? 180;
    const options = {
      asOf,
      inactivityDays,
      bucket: query.bucket ?? 'month',
      ...(query.from === undefined ? {} : { from: parsed(query.from, 'from', 'start') }),
      ...(query.to === undefined ? {} : { to: parsed(query.to, 'to', 'end') }),
    };
    const collections = await this.collections(query.minPosition);
    // The window plays no part in churn: one value, so churn requests share their populations.
    const key: PopulationKey = { asOf, windowDays: 365, inactivityDays, rule: query.wonDeals ?? 'auto' };
    const markers = await readBatch(this.readModels.store, markerReads(tenantId, collections));
    const { cacheKey, marks } = cacheKeyOf(tenantId, collections, key, markers);
    const report = await this.populations.churnReport(
      cacheKey,
      options,
      () => this.build(tenantId, collections, key, marks),
      (from) => updatePopulation(this.readModels.store, collections, tenantId, from, key, marks),
    );
    return { ...report, asOfPrecision: AS_OF_PRECISION };
  }

  private asOf(value: string | undefined): number {
    return asOfNoLaterThan(value === undefined ? undefined : parsed(value, 'asOf', 'end'), this.clock.now().getTime());
  }

  private async collections(minPosition: string | undefined): Promise<LoyaltyCollections> {
    const { activity, wonDeals, interactions, contactLinks, opportunityLinks } = LOYALTY_PROJECTION_NAMES;
    const [a, w, i, c, o] = await Promise.all(
      [activity, wonDeals, interactions, contactLinks, opportunityLinks].map((name) => this.readModels.collection(name, minPosition)),
    );
    return {
      activity: a as string,
      wonDeals: w as string,
      interactions: i as string,
      contactLinks: c as string,
      opportunityLinks: o as string,
    };
  }

  /** Every loyalty document of the tenant, read and computed a slice at a time so other requests run in between. */
  private async build(
    tenantId: string,
    collections: LoyaltyCollections,
    key: PopulationKey,
    marks: PopulationMarks,
  ): Promise<BuiltPopulation> {
    const sources = await loadLoyaltySources(this.readModels.store, collections, tenantId, { pause: nextTurn });
    return buildPopulation(sources, key, nextTurn, 200, marks);
  }
}

/** The tenant's change marker in each loyalty collection (`tenantChangeMarker`), in the order of `collections`' roles. */
function markerReads(tenantId: string, collections: LoyaltyCollections): BatchRead[] {
  const marker = changeMarkerId(tenantId);
  return Object.values(collections).map((collection: string) => ({ collection, id: marker }));
}

/**
 * What a kept population was built from: the tenant and the parameters; then each projection's serving collection
 * and the position of the tenant's change marker in it (`markers`, as `markerReads` asks them), which the fold
 * rewrites in the same transaction as any change to the tenant's documents. The markers are read before (or with)
 * the documents, so a key never names older documents than its population holds. The same positions (`marks`)
 * tell an update of a kept population which documents changed since (`updatePopulation`).
 */
function cacheKeyOf(
  tenantId: string,
  collections: LoyaltyCollections,
  key: PopulationKey,
  markers: readonly (readonly DocumentRecord[])[],
): { cacheKey: PopulationCacheKey; marks: PopulationMarks } {
  const roles = Object.keys(collections) as (keyof LoyaltyCollections)[];
  const positions = roles.map((_, i) => markers[i]?.[0]?.position ?? null);
  return {
    cacheKey: {
      of: JSON.stringify([tenantId, key.windowDays, key.inactivityDays, key.rule]),
      state: JSON.stringify([Object.values(collections), positions]),
    },
    marks: {
      collections,
      positions: Object.fromEntries(roles.map((role, i) => [role, positions[i] ?? null])) as PopulationMarks['positions'],
    },
  };
}

/** A day that does not exist (2025-02-30) is a bad field, named like every other. */
function parsed(value: string, field: string, bareDate: 'start' | 'end'): number {
  try {
    return instantOf(value, field, bareDate);
  } catch (error) {
    if (error instanceof InvalidValueError) throw new RequestValidationError([{ field, messages: [error.message] }]);
    throw error;
  }
}
