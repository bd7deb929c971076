import { AS_OF_PRECISION_SCHEMA } from '@crm/shared/read-model';
import { INTERACTION_KINDS } from './documents';
import { BUCKETS, RETENTION_MONTHS } from './churn';
import { SEGMENTS } from './rfm';
import { CREDIT_LEVELS } from './tier';

/** The subset of OpenAPI's schema object the views are described with; the API publishes these as is. */
export interface ViewSchema {
  readonly type?: string;
  readonly format?: string;
  readonly nullable?: boolean;
  readonly description?: string;
  readonly example?: unknown;
  readonly enum?: unknown[];
  readonly items?: ViewSchema;
  readonly properties?: Record<string, ViewSchema>;
}

const money: ViewSchema = { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string', example: 'IRR' } } };
const nullable = (schema: ViewSchema): ViewSchema => ({ ...schema, nullable: true });
const integer: ViewSchema = { type: 'integer' };
const rate: ViewSchema = { type: 'number', nullable: true, description: '0–1, four decimals; null when there is nothing to divide by' };
const figures: Record<string, ViewSchema> = {
  activeAtStart: integer,
  new: integer,
  churned: { ...integer, description: 'Customers active at the start lost at least once in the period' },
  lostOutsideBase: {
    ...integer,
    description: 'Customers not active at the start (new or returned) lost within the period; not in the rate',
  },
  newAndLost: { ...integer, description: 'Of lostOutsideBase, those whose first purchase was in the period' },
  activeAtEnd: integer,
  lostAtEnd: { ...integer, description: 'Of churned, those still lost at the end of the period (at asOf for the running one)' },
  newActiveAtEnd: { ...integer, description: 'Of new, those active at the end of the period' },
  returned: {
    ...integer,
    description:
      'Customers neither active at the start nor new, active at the end: lost before the period and back in it. ' +
      'activeAtEnd = activeAtStart − lostAtEnd + newActiveAtEnd + returned',
  },
  churnRate: { ...rate, description: 'churned ÷ activeAtStart, 0–1, half to even at 4 decimals; null when nobody was active at the start' },
};

/** `GET /views/customers/{accountId}/loyalty`: a LoyaltyProfile. */
export const LOYALTY_VIEW_SCHEMA: ViewSchema = {
  type: 'object',
  properties: {
    accountId: { type: 'string' },
    name: {
      type: 'string',
      description:
        "The account's name, to sales and admin only: an account opened for a person without a company is named after " +
        "them, and analysts' views carry no personal data",
    },
    asOf: { type: 'string', format: 'date-time' },
    asOfPrecision: AS_OF_PRECISION_SCHEMA,
    status: { enum: ['prospect', 'active', 'lost'] },
    statusSince: nullable({ type: 'string', format: 'date-time' }),
    lostReason: nullable({ enum: ['closed', 'inactive'] }),
    firstPurchaseAt: nullable({ type: 'string', format: 'date-time' }),
    lastPurchaseAt: nullable({ type: 'string', format: 'date-time' }),
    recencyDays: nullable(integer),
    frequency: integer,
    monetary: { type: 'array', items: money, description: 'Spend in the window per currency' },
    mainCurrency: nullable({ type: 'string' }),
    rfm: nullable({
      type: 'object',
      properties: { recency: integer, frequency: integer, monetary: integer, code: { type: 'string', example: '545' } },
    }),
    segment: { enum: [...SEGMENTS] },
    activeCustomers: { ...integer, description: 'Size of the active customer base the quintiles were taken over' },
    countsWonDeals: {
      type: 'boolean',
      description:
        'Whether every deal the account won (standing won at asOf) counts as a purchase: wonDeals=always, or auto while the account ' +
        'has no purchase record dated at or before asOf. false: under auto, only the deals won before its first purchase record ' +
        'count (there may be some: see frequency); under never, none',
    },
    lastActivityAt: nullable({ type: 'string', format: 'date-time' }),
    lastInteraction: nullable({
      type: 'object',
      properties: { kind: { enum: [...INTERACTION_KINDS] }, id: { type: 'string' }, at: { type: 'string' } },
    }),
    openComplaints: integer,
    latestNps: nullable({ type: 'object', properties: { score: integer, category: { type: 'string' }, at: { type: 'string' } } }),
    latestCsat: nullable({ type: 'object', properties: { score: integer, at: { type: 'string' } } }),
    churnRisk: nullable({
      type: 'object',
      properties: {
        level: { enum: ['low', 'medium', 'high', 'churned'] },
        factors: { type: 'array', items: { enum: ['inactivity_medium', 'inactivity_high', 'open_complaints', 'nps_detractor'] } },
        daysSinceLastActivity: integer,
      },
    }),
    tier: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        discountPercent: { type: 'number' },
        creditLevel: { enum: [...CREDIT_LEVELS] },
      },
    },
    customerValue: nullable({
      type: 'object',
      properties: {
        value: money,
        averageOrderValue: money,
        purchasesPerYear: { type: 'number' },
        margin: { type: 'number' },
        annualChurnRate: rate,
        expectedLifetimeYears: { type: 'number' },
      },
    }),
  },
};

/** `GET /views/churn`: a ChurnReport. */
export const CHURN_VIEW_SCHEMA: ViewSchema = {
  type: 'object',
  properties: {
    asOf: { type: 'string', format: 'date-time' },
    asOfPrecision: AS_OF_PRECISION_SCHEMA,
    bucket: { enum: [...BUCKETS] },
    inactivityDays: integer,
    customers: integer,
    activeCustomers: integer,
    periods: {
      type: 'array',
      items: {
        type: 'object',
        properties: { period: { type: 'string', example: '2025-03' }, start: { type: 'string' }, end: { type: 'string' }, ...figures },
      },
    },
    retention: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          cohort: { type: 'string' },
          customers: integer,
          retention: {
            type: 'array',
            items: { type: 'object', properties: { months: { enum: [...RETENTION_MONTHS] }, measured: integer, retained: integer, rate } },
          },
        },
      },
    },
    annual: { type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' }, ...figures } },
  },
};
