import { Controller, Get, Inject, Query } from '@nestjs/common';
import { METRIC_DEFINITIONS as M } from './metric-definitions';
import { AUDIT_TRAIL_SCHEMA, COMPLAINT_KPIS_SCHEMA, SATISFACTION_SCHEMA } from './complaint-view-schemas';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import {
  COMPLAINT_AUDIT,
  COMPLAINT_KPIS,
  ComplaintKpiAnswers,
  auditTrailWithoutPersonalData,
  readAuditTrail,
  readComplaintKpis,
  type AuditTrail,
  type ComplaintKpis,
} from '@crm/projections/complaint-audit';
import {
  MAX_SATISFACTION_PERIODS,
  readSatisfaction,
  readSatisfactionAsOf,
  readSatisfactionByDay,
  satisfactionSpan,
  satisfactionDaysProjection,
  satisfactionResponsesProjection,
  SATISFACTION_DAYS,
  SATISFACTION_RESPONSES,
  spanLength,
  withEveryPeriod,
  type SatisfactionBucket,
  type SatisfactionReport,
} from '@crm/projections/satisfaction';
import { AS_OF_PRECISION, type AsOfDay, type AsOfPrecision, type FieldCondition, KeptAnswers, timeRange } from '@crm/shared/read-model';
import { DomainError, type EventStore } from '@crm/shared/event-sourcing';
import { BUSINESS_CALENDAR, NOT_FOUND } from '@crm/shared/kernel';
import {
  AlsoChecks,
  ApiBadQuery,
  ApiNotCaughtUp,
  ApiProblem,
  CLOCK,
  CurrentPrincipal,
  EVENT_STORE,
  RequestValidationError,
  Tenant,
  UuidParam,
  type BodyRule,
  type Principal,
} from '@crm/shared/http';
import type { Clock } from '@crm/shared/kernel';
import { ReadModels } from '../read-models/read-models.service';
import { DateOrInstant } from './date-or-instant';
import { MinPositionQueryDto } from './min-position.dto';
import { asOfBusinessDay, asOfInstant, asOfNoLaterThan, assertPeriod, assertStartsBy, PERIOD_IN_ORDER, startsBy } from './view-bounds';

@AlsoChecks(PERIOD_IN_ORDER, startsBy(asOfInstant))
export class ComplaintKpisQueryDto extends MinPositionQueryDto {
  @DateOrInstant('Complaints received on or after this date (from the start of that business day) or instant')
  from?: string;

  @DateOrInstant('Complaints received up to this date (the whole business day) or instant (inclusive)')
  to?: string;

  @DateOrInstant(
    'Every figure as of this date (the end of that business day) or instant (exact to it): only steps dated at or before it count; default, and at most: now (a later asOf is read as now, and the reply says so)',
  )
  asOf?: string;
}

const BUCKETS: readonly SatisfactionBucket[] = ['month', 'jalali'];

/** The roles that read a complaint's trail with its personal data; an analyst's trail carries the steps without it. */
const READS_COMPLAINT_TEXT: readonly string[] = ['service', 'auditor', 'admin'];

/** What a date in from/to (and asOf) means, in the descriptions of these views. */
const BUSINESS_DAYS =
  'Days and months are business days and months, of the business time zone (CRM_BUSINESS_TIME_ZONE, Asia/Tehran by default): ' +
  'a date in from means the start of that day, in to its end. ';

/**
 * A range longer than one satisfaction report lists, named by the parameter that ends it (`from` when there is no `to`:
 * now does, or asOf).
 */
function tooManyPeriods(field: 'to' | 'from', end: 'now' | 'asOf' = 'now'): string {
  return field === 'to'
    ? `to must be at most ${MAX_SATISFACTION_PERIODS} periods (months of the bucket) after from: every period between them is listed`
    : `from must be at most ${MAX_SATISFACTION_PERIODS} periods (months of the bucket) before ${end} when to is not given: every period from it to ${end}'s is listed`;
}

/**
 * The periods a report over `at` lists (satisfactionSpan; without `to`, up to the period holding `end`: now, or asOf's
 * day), or a 400 naming the parameter that makes them more than one report lists.
 */
function listedSpan(query: SatisfactionQueryDto, at: FieldCondition | undefined, end: number, endName: 'now' | 'asOf') {
  const span = satisfactionSpan(query.bucket ?? 'month', at, end);
  if (span !== undefined && spanLength(span) > MAX_SATISFACTION_PERIODS) {
    const field = query.to === undefined ? 'from' : 'to';
    throw new RequestValidationError([{ field, messages: [tooManyPeriods(field, endName)] }]);
  }
  return span;
}

/** A range with more periods than one report lists, named with the query's other bad parameters (alone, the handler says it). */
const SATISFACTION_PERIODS: BodyRule = {
  reads: ['from', 'to', 'bucket'],
  check: ({ from, to, bucket }) => {
    if (typeof to !== 'string') return;
    const span = satisfactionSpan(bucket === 'jalali' ? 'jalali' : 'month', timeRange(typeof from === 'string' ? from : undefined, to));
    if (span !== undefined && spanLength(span) > MAX_SATISFACTION_PERIODS) {
      throw new RequestValidationError([{ field: 'to', messages: [tooManyPeriods('to')] }]);
    }
  },
};

/** Satisfaction as of a day reads to the end of that business day (asOfPrecision day). */
const satisfactionAsOfEnd = (asOf: string): number =>
  BUSINESS_CALENDAR.dayEnd(BUSINESS_CALENDAR.day(new Date(asOfInstant(asOf)).toISOString()));

@AlsoChecks(PERIOD_IN_ORDER, SATISFACTION_PERIODS, startsBy(satisfactionAsOfEnd))
export class SatisfactionQueryDto extends MinPositionQueryDto {
  @ApiPropertyOptional({
    enum: BUCKETS,
    default: 'month',
    description: 'Gregorian months (YYYY-MM) or Jalali months (e.g. 1403-12) of the business day each answer was given on',
  })
  @IsOptional()
  @IsIn(BUCKETS)
  bucket?: SatisfactionBucket;

  @DateOrInstant(
    'Answers given on or after this date (from the start of that business day) or instant; the period holding it is the first listed',
  )
  from?: string;

  @DateOrInstant(
    `Answers given up to this date (the whole business day) or instant (inclusive); the period holding it is the last listed, at most ${MAX_SATISFACTION_PERIODS} periods after the first`,
  )
  to?: string;

  @DateOrInstant(
    'The figures as they stood at the end of the business day holding this date or instant: every answer recorded by then, ' +
      'whatever day it says it was given. With from/to, over the answers given in that period (with from, every period from its own listed, to asOf’s without to); ' +
      'without, the periods that have such answers. At most now (a later asOf is read as now)',
  )
  asOf?: string;
}

/** Auditors' and analysts' views of complaint handling and customer satisfaction (API.md "Queries"). */
@ApiTags('views')
@Controller('views')
export class ComplaintViewsController {
  /** Answers without a period, kept while the tree's root stands still and no complaint's instant passes. */
  private readonly kpiAnswers = new ComplaintKpiAnswers();
  /**
   * Satisfaction answers, kept per tenant, collections, bucket and period while neither satisfaction projection has
   * applied anything since (docs/views-at-scale.md, "Satisfaction answers kept"): a storm of lead captures or deals
   * leaves them standing.
   */
  private readonly satisfactionAnswers = new KeptAnswers<SatisfactionReport>();

  constructor(
    private readonly readModels: ReadModels,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('complaints/kpis')
  @ApiOperation({
    summary: 'Complaint KPIs: time to acknowledge / resolve, SLA compliance, escalation and reopen rates, satisfaction',
    description: [
      M.complaintAsOf,
      M.complaintTimes,
      M.slaCompliance,
      M.slaRule,
      M.withdrawals,
      M.complaintRates,
      M.rounding,
      'Rates are null when there is nothing to measure.',
      BUSINESS_DAYS +
        'Every figure is exact to the instant asOf names (a date: the end of that business day). ' +
        'Without from/to the view reads totals kept per month in a prefix-sum tree ' +
        '(a bounded number of small documents), the complaints that change in the month of asOf one by one and, for each median, ' +
        'the complaints of the one duration bucket its rank falls in; with from/to the same from the trees of the receipt years and months ' +
        'of the period, with the complaints of its partial first and last months one by one. ' +
        'An answer (per tenant and period) is reused for a later asOf until a complaint changes or one of the instants of the month of ' +
        'asOf (a step, a deadline, a receipt, the end of the period) passes: the figures are the same.',
    ].join(' '),
  })
  @ApiOkResponse({ description: 'KPIs over the complaints received in the period', schema: COMPLAINT_KPIS_SCHEMA })
  @ApiBadQuery()
  @ApiNotCaughtUp()
  async kpis(
    @Query() query: ComplaintKpisQueryDto,
    @Tenant() tenantId: string,
  ): Promise<ComplaintKpis & AsOfPrecision & { readonly from?: string; readonly to?: string }> {
    const receivedAt = timeRange(query.from, query.to);
    assertPeriod(receivedAt);
    const given = query.asOf === undefined ? undefined : asOfInstant(query.asOf);
    const now = this.clock.now().getTime();
    const at = asOfNoLaterThan(given, now);
    // Before any wait for minPosition: a bad request is a 400 at once, not a 503 after the wait (a review).
    assertStartsBy(receivedAt, at, at === now ? 'now' : 'asOf');
    const collection = await this.readModels.collection(COMPLAINT_KPIS, query.minPosition);
    const asOf = new Date(at).toISOString();
    const kpis = await readComplaintKpis(
      this.readModels.store,
      collection,
      { tenantId, asOf, ...(receivedAt ? { receivedAt } : {}) },
      this.kpiAnswers,
    );
    return {
      ...kpis,
      asOfPrecision: AS_OF_PRECISION,
      ...(query.from === undefined ? {} : { from: query.from }),
      ...(query.to === undefined ? {} : { to: query.to }),
    };
  }

  @Get('complaints/:id/audit-trail')
  @ApiOperation({
    summary: "A complaint's audit trail: every step in order (when, who, what, from → to, level, deadlines, breaches) and its integrity",
    description:
      'Integrity re-verifies the hash chain of `complaint-{id}` from the event store at the time of the request. ' +
      'Service, auditors and admins read the steps whole; an analyst reads them without personal data (API.md "Personal data"): ' +
      'the complainant’s name, phone and email and the texts written about the complaint (description, desired remedy, ' +
      'messages, notes, responses, decisions, reasons, comments) are left out of `details`.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ description: 'Every step in order, with the integrity of the record', schema: AUDIT_TRAIL_SCHEMA })
  @ApiBadQuery()
  @ApiProblem(404, 'Unknown complaint', [NOT_FOUND.complaint])
  @ApiNotCaughtUp()
  async auditTrail(
    @UuidParam('id') id: string,
    @Query() query: MinPositionQueryDto,
    @Tenant() tenantId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AuditTrail> {
    const collection = await this.readModels.collection(COMPLAINT_AUDIT, query.minPosition);
    const trail = await readAuditTrail(this.readModels.store, collection, this.events, tenantId, id);
    if (trail === undefined) throw new DomainError(NOT_FOUND.complaint, `No complaint ${id}`, { complaintId: id });
    return principal.roles.some((role) => READS_COMPLAINT_TEXT.includes(role)) ? trail : auditTrailWithoutPersonalData(trail);
  }

  @Get('satisfaction')
  @ApiOperation({
    summary: 'Customer satisfaction per period: CSAT, NPS, CES, SERVQUAL gap per dimension, feedback counts',
    description:
      'CSAT = % of answers 4–5; NPS = % promoters (9–10) − % detractors (0–6); CES = mean of 1–7; SERVQUAL gap = mean perception − ' +
      'mean expectation per dimension. Percentages and means to 2 decimals; null for a period without answers of that type. ' +
      'Periods are months of the business day each answer was given on. ' +
      'With from, every period is listed from the one holding from to the one holding to (without to: the current one), ' +
      'a period without answers with zero counts and null figures; at most ' +
      MAX_SATISFACTION_PERIODS +
      ' periods (a longer range is a 400 naming to, or from when to is not given). Without from, the periods that have answers. ' +
      BUSINESS_DAYS +
      'Read from sums kept per month of the bucket’s calendar and per business day (the days of a part-month at either edge), plus ' +
      'the answers of a part-day when from/to is an instant inside a day: exact to the instant. ' +
      'With asOf (a later asOf than now is read as now): the report as it stood at the end of the business day holding asOf ' +
      '(asOfPrecision day; asOf in the reply is the last instant of that day, or now for today), over every answer recorded by then, whatever day it ' +
      'says it was given (a survey typed in later counts from the day it was typed in). With from/to as well, over the answers of ' +
      'those recorded by then that were given in the period, periods listed as above (with from and without to, up to asOf’s); without, its ' +
      'periods are those with such answers. ' +
      'Whole months read from a ledger of what each day recorded, per year, month and day: at most (its year − 1900) + 11 + 31 small ' +
      'documents, whatever the number of answers; the part-months and part-days at a period’s edges from the answers given in them.',
  })
  @ApiOkResponse({ description: 'Figures per period and overall', schema: SATISFACTION_SCHEMA })
  @ApiBadQuery()
  @ApiNotCaughtUp()
  async satisfaction(
    @Query() query: SatisfactionQueryDto,
    @Tenant() tenantId: string,
  ): Promise<SatisfactionReport | (SatisfactionReport & AsOfDay)> {
    if (query.asOf !== undefined) return this.satisfactionAsOf(query, query.asOf, tenantId);
    const at = timeRange(query.from, query.to);
    assertPeriod(at);
    const now = this.clock.now().getTime();
    assertStartsBy(at, now, 'now');
    const bucket = query.bucket ?? 'month';
    // Every period of the range is listed; without to, up to now's (the answers read are those given up to now).
    const span = listedSpan(query, at, now, 'now');
    const [answers, days] = await Promise.all([
      this.readModels.collection(SATISFACTION_RESPONSES, query.minPosition),
      this.readModels.collection(SATISFACTION_DAYS, query.minPosition),
    ]);
    // Which read the answer comes from follows the two checkpoints too, so it is part of what is kept; so do the periods listed
    // (without to, they run to now's).
    const key = JSON.stringify([tenantId, answers, days, bucket, query.from ?? null, query.to ?? null, span ?? null]);
    return this.satisfactionAnswers.answer(
      this.readModels.store,
      [satisfactionResponsesProjection, satisfactionDaysProjection],
      key,
      async () => {
        if (!(await this.readModels.caughtUpWith(SATISFACTION_DAYS, SATISFACTION_RESPONSES))) {
          // The day sums are still being built (first start after an upgrade): answer from every answer meanwhile.
          return withEveryPeriod(await readSatisfaction(this.readModels.store, answers, { tenantId, bucket, ...(at ? { at } : {}) }), span);
        }
        return withEveryPeriod(
          await readSatisfactionByDay(this.readModels.store, { answers, days }, { tenantId, bucket, ...(at ? { at } : {}) }),
          span,
        );
      },
    );
  }

  /**
   * The report as it stood at the end of asOf's business day (API.md: an aggregate view is exact to the day), from the
   * dated ledger satisfaction-days keeps: a later asOf than now is read as now (today's figures so far).
   */
  private async satisfactionAsOf(query: SatisfactionQueryDto, value: string, tenantId: string): Promise<SatisfactionReport & AsOfDay> {
    const bucket = query.bucket ?? 'month';
    const now = this.clock.now().getTime();
    const { day, reply } = asOfBusinessDay(value, now);
    const at = timeRange(query.from, query.to);
    assertPeriod(at);
    const dayEnd = BUSINESS_CALENDAR.dayEnd(day);
    assertStartsBy(at, Math.min(dayEnd, now), dayEnd < now ? 'asOf' : 'now');
    // With from, every period of the range is listed; without to, up to asOf's (the answers recorded by then were given by then).
    const span = listedSpan(query, at, dayEnd, 'asOf');
    // The answers one by one only for a period's part-months: without a period, the day sums' ledger alone answers.
    const [days, answers] = await Promise.all([
      this.readModels.collection(SATISFACTION_DAYS, query.minPosition),
      at === undefined ? undefined : this.readModels.collection(SATISFACTION_RESPONSES, query.minPosition),
    ]);
    const projections =
      answers === undefined ? [satisfactionDaysProjection] : [satisfactionResponsesProjection, satisfactionDaysProjection];
    // Kept like the other answers, by the day it is as of (every asOf in it answers the same).
    const key = JSON.stringify([tenantId, 'asOf', days, answers ?? null, bucket, day, query.from ?? null, query.to ?? null]);
    const report = await this.satisfactionAnswers.answer(this.readModels.store, projections, key, () =>
      readSatisfactionAsOf(
        this.readModels.store,
        { days, ...(answers === undefined ? {} : { answers }) },
        { tenantId, bucket, day, ...(at ? { at } : {}) },
      ),
    );
    return { ...withEveryPeriod(report, span), ...reply };
  }
}
