import { OPEN_STAGES } from '@crm/sales/domain';
import { MARKETING_FIELDS } from './campaign-performance';
import { FUNNEL_GROUPINGS } from './funnel';
import { OPPORTUNITY_STATUSES } from './opportunity-list';

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
const unknownYet = (schema: Schema = {}): Schema => ({ ...schema, nullable: true, description: 'null until the marketing context exists' });

export const PIPELINE_SUMMARY_SCHEMA = object({
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
});

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
      weightedAmount: money,
      expectedCloseDate: text,
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

export const FUNNEL_SCHEMA = object({
  by: { enum: [...FUNNEL_GROUPINGS] },
  period: period('capturedAt'),
  groups: { type: 'array', items: object({ key: { ...nullableText, description: 'Source or campaign id; null: no campaign' }, ...step }) },
  total: object(step),
});

export const CAMPAIGN_PERFORMANCE_SCHEMA = object({
  campaignId: text,
  leads: integer,
  qualified: integer,
  disqualified: integer,
  opportunities: integer,
  open: integer,
  won: integer,
  lost: integer,
  wonRevenue: monies,
  weightedPipeline: monies,
  conversion: object({ leadToQualified: rate, winRate: rate }),
  targets: unknownYet(),
  responses: unknownYet(),
  budget: unknownYet(money),
  cost: unknownYet(money),
  roi: { type: 'number', nullable: true, description: '(won revenue − cost) ÷ cost, only when the cost is known' },
  missing: object({ fields: { type: 'array', items: { enum: [...MARKETING_FIELDS] } }, note: text }),
});
