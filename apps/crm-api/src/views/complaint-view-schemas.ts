import { AS_OF_DAY_SCHEMA, AS_OF_PRECISION_SCHEMA } from '@crm/shared/read-model';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** What the complaint and satisfaction views answer, as published in OpenAPI (every field the projections write). */

const STATUS = ['received', 'acknowledged', 'assessed', 'investigating', 'responded', 'decision_communicated', 'closed'];
const LEVEL = ['local', 'head_office', 'external_body', 'legal'];
const SEVERITY = ['low', 'medium', 'high', 'critical'];
const instant: SchemaObject = { type: 'string', format: 'date-time' };
const integer: SchemaObject = { type: 'integer' };
const ratio: SchemaObject = { type: 'number', nullable: true, description: 'null when there is nothing to divide by' };

const DEADLINES: SchemaObject = {
  type: 'object',
  required: ['acknowledgeBy', 'resolveBy'],
  properties: { acknowledgeBy: instant, resolveBy: instant },
};

const BREACH_FIELDS = {
  milestone: { type: 'string', enum: ['acknowledge', 'resolve'] },
  deadline: instant,
  detectedAt: instant,
  metAt: { ...instant, description: 'Present when the milestone was met, but late' },
};
const BREACH: SchemaObject = {
  type: 'object',
  required: ['milestone', 'deadline', 'detectedAt', 'revision'],
  properties: {
    ...BREACH_FIELDS,
    withdrawnAt: { ...instant, description: 'Present when a re-assessment extended the deadline before the milestone was met' },
    revision: integer,
  },
};

const STEP: SchemaObject = {
  type: 'object',
  required: [
    'revision',
    'eventId',
    'occurredAt',
    'actor',
    'type',
    'label',
    'labelFa',
    'from',
    'to',
    'escalationLevel',
    'deadlines',
    'details',
    'hash',
    'prevHash',
  ],
  properties: {
    revision: integer,
    eventId: { type: 'string', format: 'uuid' },
    occurredAt: instant,
    actor: {
      type: 'object',
      required: ['id', 'roles'],
      properties: { id: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } },
    },
    type: { type: 'string', example: 'ComplaintAcknowledged' },
    label: { type: 'string' },
    labelFa: { type: 'string' },
    from: { type: 'string', enum: [...STATUS, null], nullable: true, description: 'null for receipt' },
    to: { type: 'string', enum: STATUS },
    escalationLevel: { type: 'string', enum: LEVEL },
    severity: { type: 'string', enum: SEVERITY },
    deadlines: DEADLINES,
    breach: { type: 'object', required: ['milestone', 'deadline', 'detectedAt'], properties: BREACH_FIELDS },
    details: { type: 'object', additionalProperties: true, description: 'Facts of the step; free text excerpted to 280 characters' },
    hash: { type: 'string' },
    prevHash: { type: 'string' },
  },
};

export const AUDIT_TRAIL_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'complaintId',
    'streamId',
    'receivedAt',
    'status',
    'escalationLevel',
    'deadlines',
    'reopenCount',
    'breaches',
    'lastRevision',
    'steps',
    'integrity',
  ],
  properties: {
    complaintId: { type: 'string', format: 'uuid' },
    streamId: { type: 'string', example: 'complaint-0b6f7c3e-1d2a-4f5b-9c8d-7e6f5a4b3c2d' },
    receivedAt: instant,
    channel: { type: 'string' },
    category: { type: 'string' },
    status: { type: 'string', enum: STATUS },
    escalationLevel: { type: 'string', enum: LEVEL },
    severity: { type: 'string', enum: SEVERITY },
    deadlines: DEADLINES,
    reopenCount: integer,
    outcome: { type: 'string', enum: ['resolved', 'unresolved', 'withdrawn'] },
    breaches: { type: 'array', items: BREACH },
    lastRevision: integer,
    steps: { type: 'array', items: STEP },
    integrity: {
      type: 'object',
      required: ['ok', 'checked'],
      properties: {
        ok: { type: 'boolean' },
        checked: integer,
        brokenAtRevision: integer,
        reason: { type: 'string', enum: ['revision_gap', 'prev_hash_mismatch', 'hash_mismatch', 'read_model_mismatch'] },
        lastHash: { type: 'string' },
      },
    },
  },
};

const duration: SchemaObject = {
  type: 'object',
  required: ['count', 'meanHours', 'medianHours'],
  properties: { count: integer, meanHours: { type: 'number', nullable: true }, medianHours: { type: 'number', nullable: true } },
};
const compliance: SchemaObject = {
  type: 'object',
  required: ['due', 'met', 'missed', 'pending', 'overdue', 'void', 'rate'],
  properties: {
    due: { ...integer, description: 'met + missed' },
    met: { ...integer, description: 'Milestones met with no breach standing as of asOf' },
    missed: { ...integer, description: 'Milestones with a recorded breach standing as of asOf (ComplaintSlaBreached not withdrawn)' },
    pending: { ...integer, description: 'Neither met nor breached nor withdrawn as of asOf' },
    overdue: {
      ...integer,
      description: 'Of the pending, those whose deadline in force has passed by asOf: a breach not recorded yet; not in the rate',
    },
    void: { ...integer, description: 'Ended by a withdrawal before being met, with no breach: outside the SLA' },
    rate: { ...ratio, description: 'met ÷ due, half to even at 4 decimals' },
  },
};
const counts = (keys: readonly string[]): SchemaObject => ({
  type: 'object',
  required: [...keys],
  properties: Object.fromEntries(keys.map((key) => [key, integer])),
});

export const COMPLAINT_KPIS_SCHEMA: SchemaObject = {
  type: 'object',
  required: [
    'asOf',
    'asOfPrecision',
    'complaints',
    'timeToAcknowledge',
    'timeToResolve',
    'slaCompliance',
    'escalation',
    'reopen',
    'satisfaction',
    'byStatus',
    'bySeverity',
    'byCategory',
  ],
  properties: {
    asOf: instant,
    asOfPrecision: AS_OF_PRECISION_SCHEMA,
    from: { type: 'string' },
    to: { type: 'string' },
    complaints: integer,
    timeToAcknowledge: duration,
    timeToResolve: duration,
    slaCompliance: {
      allOf: [
        compliance,
        {
          type: 'object',
          required: ['byMilestone', 'breachesRecorded', 'breachesWithdrawn'],
          properties: {
            byMilestone: {
              type: 'object',
              required: ['acknowledge', 'resolve'],
              properties: { acknowledge: compliance, resolve: compliance },
            },
            breachesRecorded: { ...integer, description: 'ComplaintSlaBreached detected by asOf' },
            breachesWithdrawn: {
              ...integer,
              description: 'ComplaintSlaBreachWithdrawn by asOf (deadline extended before the milestone was met)',
            },
          },
        },
      ],
    },
    escalation: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['complaints', 'rate'], properties: { complaints: integer, rate: ratio } },
      description: 'head_office, external_body, legal: complaints that reached the level or beyond, and their rate',
    },
    reopen: {
      type: 'object',
      required: ['closed', 'reopened', 'reopenings', 'rate'],
      properties: { closed: integer, reopened: integer, reopenings: integer, rate: ratio },
    },
    satisfaction: {
      type: 'object',
      required: ['responses', 'mean'],
      properties: { responses: integer, mean: { type: 'number', nullable: true } },
    },
    byStatus: { type: 'object', additionalProperties: integer },
    bySeverity: { type: 'object', additionalProperties: integer },
    byCategory: {
      type: 'array',
      items: { type: 'object', required: ['category', 'count'], properties: { category: { type: 'string' }, count: integer } },
    },
  },
};

const mean: SchemaObject = {
  type: 'object',
  required: ['responses', 'mean'],
  properties: { responses: integer, mean: { type: 'number', nullable: true } },
};
const gap: SchemaObject = {
  type: 'object',
  required: ['expectation', 'perception', 'gap'],
  properties: {
    expectation: { type: 'number' },
    perception: { type: 'number' },
    gap: { type: 'number', description: 'perception − expectation' },
  },
};
const FIGURES: SchemaObject = {
  type: 'object',
  required: ['csat', 'nps', 'ces', 'servqual', 'complaintHandling', 'feedback'],
  properties: {
    csat: {
      type: 'object',
      required: ['responses', 'satisfied', 'percent'],
      properties: { responses: integer, satisfied: integer, percent: { type: 'number', nullable: true } },
    },
    nps: {
      type: 'object',
      required: ['responses', 'promoters', 'passives', 'detractors', 'score'],
      properties: {
        responses: integer,
        promoters: integer,
        passives: integer,
        detractors: integer,
        score: { type: 'number', nullable: true, minimum: -100, maximum: 100 },
      },
    },
    ces: mean,
    servqual: {
      type: 'object',
      required: ['responses', 'dimensions'],
      properties: {
        responses: integer,
        dimensions: {
          type: 'object',
          nullable: true,
          required: ['tangibles', 'reliability', 'responsiveness', 'assurance', 'empathy'],
          properties: { tangibles: gap, reliability: gap, responsiveness: gap, assurance: gap, empathy: gap },
        },
      },
    },
    complaintHandling: mean,
    feedback: counts(['opinion', 'idea', 'praise', 'total']),
  },
};

export const SATISFACTION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['bucket', 'periods', 'overall'],
  properties: {
    bucket: { type: 'string', enum: ['month', 'jalali'] },
    periods: {
      type: 'array',
      items: { allOf: [FIGURES, { type: 'object', required: ['period'], properties: { period: { type: 'string' } } }] },
    },
    overall: FIGURES,
    // Only with asOf: the figures as they stood at the end of its business day.
    ...AS_OF_DAY_SCHEMA,
  },
};
