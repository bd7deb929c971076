import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

const CHECKS: SchemaObject = {
  type: 'object',
  description: 'Each check by name (eventStore, readStore, projections, shutdown) with its status and what it found',
  additionalProperties: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['up', 'down'] } } },
};

/** Terminus' reply: the same body with 200 (ok) or 503 (error, shutting_down). */
export const HEALTH_CHECK_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
    info: CHECKS,
    error: CHECKS,
    details: CHECKS,
  },
};

const PROJECTION_VIEW: SchemaObject = {
  type: 'object',
  required: ['name'],
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    owned: { type: 'boolean', description: 'Run in this process (true) or by another, e.g. crm-projector (false)' },
    phase: { type: 'string' },
    checkpoint: { type: 'string', nullable: true },
    lagEvents: { type: 'integer', nullable: true },
    lagSeconds: { type: 'number', nullable: true },
    unowned: { type: 'boolean', description: 'Run elsewhere, and no process holds its lease now: its view falls behind' },
  },
};

/** `/health` for operators: the readiness checks plus stores, projections and warnings. */
export const HEALTH_DETAILS_SCHEMA: SchemaObject = {
  ...HEALTH_CHECK_SCHEMA,
  required: ['status', 'details', 'service', 'eventStore', 'readStore', 'projections'],
  properties: {
    ...HEALTH_CHECK_SCHEMA.properties,
    service: { type: 'string', enum: ['crm-api', 'crm-projector'] },
    eventStore: {
      type: 'object',
      required: ['kind', 'headPosition'],
      properties: { kind: { type: 'string' }, headPosition: { type: 'string', nullable: true } },
    },
    readStore: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
    projectionsRunHere: { type: 'boolean' },
    projections: { type: 'array', items: PROJECTION_VIEW },
    warnings: { type: 'array', items: { type: 'string' }, description: 'What an operator must not miss, e.g. that authentication is off' },
  },
};
