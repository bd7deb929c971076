import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** The raw event envelope as /streams answers it (DESIGN.md "Event envelope"). */
const RECORDED_EVENT: SchemaObject = {
  type: 'object',
  required: ['streamId', 'type', 'data', 'revision', 'position', 'metadata'],
  additionalProperties: false,
  properties: {
    streamId: { type: 'string' },
    type: { type: 'string', example: 'ComplaintReceived' },
    data: { type: 'object', additionalProperties: true },
    revision: { type: 'integer', minimum: 0 },
    position: { type: 'string', description: "The adapter's opaque global position" },
    metadata: {
      type: 'object',
      required: [
        'eventId',
        'commandId',
        'correlationId',
        'causationId',
        'actor',
        'tenantId',
        'occurredAt',
        'schemaVersion',
        'prevHash',
        'hash',
      ],
      additionalProperties: true,
      properties: {
        eventId: { type: 'string', format: 'uuid' },
        commandId: { type: 'string', format: 'uuid' },
        correlationId: { type: 'string' },
        causationId: { type: 'string' },
        actor: {
          type: 'object',
          required: ['id', 'roles'],
          properties: { id: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, onBehalfOf: { type: 'string' } },
        },
        tenantId: { type: 'string' },
        occurredAt: { type: 'string', format: 'date-time' },
        schemaVersion: { type: 'integer', minimum: 1 },
        commandType: { type: 'string' },
        traceparent: { type: 'string' },
        requestFingerprint: { type: 'string' },
        prevHash: { type: 'string' },
        hash: { type: 'string' },
      },
    },
  },
};

const CHAIN_VERIFICATION: SchemaObject = {
  description: 'Hash-chain check of the events returned: ok, or the first broken link',
  oneOf: [
    {
      type: 'object',
      required: ['ok', 'checked', 'lastHash'],
      additionalProperties: false,
      properties: { ok: { type: 'boolean', enum: [true] }, checked: { type: 'integer', minimum: 0 }, lastHash: { type: 'string' } },
    },
    {
      type: 'object',
      required: ['ok', 'checked', 'brokenAtRevision', 'reason'],
      additionalProperties: false,
      properties: {
        ok: { type: 'boolean', enum: [false] },
        checked: { type: 'integer', minimum: 0 },
        brokenAtRevision: { type: 'integer', minimum: 0 },
        reason: { type: 'string', enum: ['revision_gap', 'prev_hash_mismatch', 'hash_mismatch'] },
      },
    },
  ],
};

export const STREAM_PAGE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['streamId', 'events', 'integrity', 'nextRevision'],
  additionalProperties: false,
  properties: {
    streamId: { type: 'string' },
    events: { type: 'array', items: RECORDED_EVENT },
    integrity: CHAIN_VERIFICATION,
    nextRevision: { type: 'integer', minimum: 0, nullable: true, description: 'fromRevision of the next page; null on the last' },
  },
};
