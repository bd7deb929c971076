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
  required: ['name', 'owned', 'caughtUp', 'summary'],
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    owned: { type: 'boolean', description: 'Run in this process (true) or by another, e.g. crm-projector (false)' },
    phase: { type: 'string', description: 'Known only where the projection runs' },
    version: { type: 'integer' },
    collection: { type: 'string', description: 'The build it serves from' },
    checkpoint: { type: 'string', nullable: true },
    caughtUp: { type: 'boolean' },
    lag: { type: 'integer', nullable: true, description: 'Events of the log behind the head (estimated from positions)' },
    lagSeconds: { type: 'number', nullable: true, description: 'Age of the oldest event not yet applied; 0 when caught up' },
    rebuilding: { type: 'boolean' },
    summary: { type: 'string' },
    unowned: { type: 'boolean', description: 'Run elsewhere, and no process holds its lease now: its view falls behind' },
    error: {
      type: 'object',
      additionalProperties: true,
      description: 'The failure that stopped it (the event it failed on and the message), where it runs or elsewhere',
    },
  },
};

/** `/health` for operators: the readiness checks plus stores, projections and warnings. */
export const HEALTH_DETAILS_SCHEMA: SchemaObject = {
  ...HEALTH_CHECK_SCHEMA,
  required: ['status', 'details', 'service', 'eventStore', 'readStore', 'projections'],
  properties: {
    ...HEALTH_CHECK_SCHEMA.properties,
    status: {
      type: 'string',
      enum: ['ok', 'degraded', 'error', 'shutting_down'],
      description:
        'As readiness, except "degraded" (200): ready, but a projection run by another process (crm-projector) has ' +
        'failed, is run by no process now, or none has been built; warnings say which',
    },
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
