import { OPEN_STAGES, CONTACT_CHANNELS } from '@crm/sales/domain';
import { CAMPAIGN_CHANNELS, CAMPAIGN_GOALS, RESPONSE_TYPES } from '@crm/marketing/domain';
import { MARKETING_FIELDS } from './campaign-performance';
import { FUNNEL_GROUPINGS } from './funnel';
import { OPPORTUNITY_STATUSES } from './opportunity-list';
import { AS_OF_DAY_SCHEMA } from '@crm/shared/read-model';

/**
 * The answers of the pipeline views as OpenAPI schemas, next to the types
 * they describe so the two change together; the HTTP layer only publishes them.
 */

type Schema = Record<string, unknown>;

const integer: Schema = { type: 'integer' };
const text: Schema = { type: 'string' };
const nullableText: Schema = { type: 'string', nullable: true };
const money: Schema = {
  type: 'object',
  required: ['amount', 'currency'],
  properties: { amount: { type: 'integer', description: 'Minor units' }, currency: { type: 'string', example: 'IRR' } },
};
const monies: Schema = { type: 'array', items: money, description: 'One entry per currency, never summed across currencies' };
const rate: Schema = { type: 'number', nullable: true, description: '0–1, 4 decimals; null when the denominator is 0' };
const object = (properties: Record<string, Schema>): Schema => ({ type: 'object', required: Object.keys(properties), properties });
const period = (basis: string): Schema => object({ basis: { enum: [basis] }, from: nullableText, to: nullableText });
/** A figure only the marketing context knows: null for a campaign that sales events name but that was never planned. */
const planned = (schema: Schema, description: string): Schema => ({
  ...schema,
  nullable: true,
  description: `${description}; null when unplanned`,
});
/** A required-everything object with the optional `asOf` and `asOfPrecision` of an answer as of a past day (AsOfDay). */
const withAsOfDay = (schema: Schema): Schema => ({
  ...schema,
  properties: { ...(schema['properties'] as Record<string, Schema>), ...AS_OF_DAY_SCHEMA },
});
const counts = (keys: readonly string[]): Schema => object(Object.fromEntries(keys.map((key) => [key, integer])));

export const PIPELINE_SUMMARY_SCHEMA = withAsOfDay(
  object({
    period: period('closingDate'),
    ownerId: nullableText,
    stages: {
      type: 'array',
      items: object({
        stage: { enum: [...OPEN_STAGES, 'won', 'lost'] },
        probability: { type: 'integer', description: "The stage's default %" },
        count: integer,
        total: monies,
        weighted: monies,
      }),
    },
    open: object({ count: integer, total: monies, weighted: monies }),
    winRate: rate,
    averageCycleDays: { type: 'number', nullable: true },
    averageWonDeal: monies,
    salesVelocity: { ...monies, nullable: true, description: 'Minor units per day, per currency; null when win rate or cycle is unknown' },
  }),
);

export const OPPORTUNITY_PAGE_SCHEMA = object({
  items: {
    type: 'array',
    items: object({
      id: text,
      name: text,
      accountId: text,
      contactId: nullableText,
      ownerId: nullableText,
      stage: { enum: [...OPEN_STAGES] },
      probability: integer,
      amount: money,
      weightedAmount: {
        ...money,
        description:
          "amount × probability ÷ 100, rounded on its own (half to even); the views' weighted totals sum the exact values and " +
          'round once, so these rows need not add up to a total (three deals of 5 at 10 %: 0 each, total 2)',
      },
      expectedCloseDate: {
        type: 'string',
        format: 'date',
        description: 'A business day (YYYY-MM-DD): as entered, or the business day of the instant entered',
      },
      openedAt: text,
      status: { enum: [...OPPORTUNITY_STATUSES] },
      wonAt: nullableText,
      lostAt: nullableText,
      lostReason: nullableText,
      quoteId: nullableText,
      source: nullableText,
      campaignId: nullableText,
      originLeadId: nullableText,
    }),
  },
  total: { type: 'integer', description: 'Matching rows before paging' },
  limit: integer,
  offset: integer,
  nextCursor: {
    type: 'string',
    nullable: true,
    description: 'Pass as `cursor` (same filters, sort and order) for the rows after this page; null when no full page remains to follow',
  },
});

const step = {
  leads: integer,
  qualified: integer,
  disqualified: integer,
  opportunities: integer,
  won: integer,
  wonRevenue: monies,
  conversion: object({ leadToQualified: rate, qualifiedToOpportunity: rate, opportunityToWon: rate, leadToWon: rate }),
};

export const FUNNEL_SCHEMA = withAsOfDay(
  object({
    by: { enum: [...FUNNEL_GROUPINGS] },
    period: period('capturedAt'),
    groups: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', ...Object.keys(step)],
        properties: {
          key: { ...nullableText, description: 'Source or campaign id; null: no campaign' },
          name: { ...nullableText, description: 'by=campaign only: the campaign name, null when not planned in marketing' },
          ...step,
        },
      },
    },
    total: { ...object(step), description: 'Lead-sourced deals only' },
    direct: {
      ...object({
        basis: { enum: ['openedAt'] },
        opportunities: integer,
        won: integer,
        wonRevenue: monies,
        opportunityToWon: rate,
      }),
      description:
        'Deals opened without a qualified lead, by openedAt in the period: total.wonRevenue + direct.wonRevenue is every won deal, ' +
        'so over the whole history the funnel reconciles with the pipeline',
    },
  }),
);

export const CAMPAIGN_PERFORMANCE_SCHEMA = object({
  campaignId: text,
  campaign: planned(
    object({
      name: text,
      goal: { enum: [...CAMPAIGN_GOALS] },
      channel: { enum: [...CAMPAIGN_CHANNELS] },
      status: { enum: ['planned', 'active', 'completed', 'cancelled'] },
      startDate: text,
      endDate: text,
      ownerId: nullableText,
    }),
    'The plan',
  ),
  targets: planned(integer, 'Distinct records across the target lists now (dynamic lists evaluated on current attributes)'),
  targetsByType: planned(counts(['lead', 'contact', 'account']), 'Targets per member type'),
  reachable: planned(
    object({
      consentChannel: { enum: [...CONTACT_CHANNELS], nullable: true, description: 'Consent the channel needs; null: none applies' },
      contacts: { type: 'integer', description: 'Contact targets with that consent (all of them when none applies)' },
    }),
    'Contacts marketing may address on the campaign channel',
  ),
  targetLists: planned(
    {
      type: 'array',
      items: object({
        listId: text,
        name: nullableText,
        kind: { enum: ['static', 'dynamic'], nullable: true },
        memberType: { enum: ['lead', 'contact', 'account'], nullable: true },
        members: integer,
      }),
    },
    'Each target list with its member count (name null: list not known yet)',
  ),
  responses: planned(integer, 'Responses recorded'),
  responders: planned(integer, 'Distinct records that responded, targeted or not'),
  untargetedResponders: planned(
    integer,
    'Of the responders, those not among the targets now (a forwarded message’s reader, a record taken off the lists since): not in the response rate',
  ),
  responsesByType: planned(counts(RESPONSE_TYPES), 'Responses per type'),
  responseRate: planned(
    rate,
    'Distinct responders among the targets ÷ targets, both against the target lists as they stand now (dynamic lists on current attributes); never above 1',
  ),
  leads: integer,
  qualified: integer,
  disqualified: integer,
  opportunities: { type: 'integer', description: "Deals from the campaign's leads and deals opened with its id" },
  open: integer,
  won: integer,
  lost: integer,
  wonRevenue: monies,
  weightedPipeline: monies,
  conversion: object({ leadToQualified: rate, winRate: rate }),
  budget: planned(money, 'Planned budget'),
  cost: planned(money, 'Costs recorded, in the budget currency'),
  budgetUsed: planned(rate, 'cost ÷ budget'),
  costPerLead: planned(money, 'cost ÷ leads, null also when there are no leads'),
  roi: { type: 'number', nullable: true, description: '(won revenue − cost) ÷ cost; null when the cost is unknown or 0' },
  missing: {
    ...object({ fields: { type: 'array', items: { enum: [...MARKETING_FIELDS] } }, note: text }),
    nullable: true,
    description: 'Only for a campaign not planned in marketing: the fields that are unknown, and why',
  },
});
