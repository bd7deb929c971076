const subject = {
  type: 'object',
  required: ['type', 'id'],
  properties: { type: { type: 'string', enum: ['lead', 'contact'] }, id: { type: 'string', format: 'uuid' } },
  additionalProperties: false,
};

export const ERASURE_REPLY_SCHEMA = {
  type: 'object',
  required: ['erasedAt', 'position', 'records'],
  properties: {
    erasedAt: { type: 'string', format: 'date-time' },
    position: { type: 'string', description: 'Global position of the erasure record' },
    records: { type: 'integer', minimum: 1, description: 'How many records lost their keys' },
  },
  additionalProperties: false,
};

export const ACCESS_REPORT_SCHEMA = {
  type: 'object',
  required: ['subject', 'identities', 'erasure', 'records'],
  properties: {
    subject,
    identities: { type: 'array', items: subject, description: 'The person as lead and contact, linked by qualification' },
    erasure: {
      type: 'object',
      nullable: true,
      required: ['erasedAt', 'reason'],
      properties: { erasedAt: { type: 'string', format: 'date-time' }, reason: { type: 'string' } },
      description: 'Null until erased; afterwards personal fields read "[erased]"',
    },
    records: {
      type: 'array',
      items: {
        type: 'object',
        required: ['streamId', 'context', 'kind', 'events'],
        properties: {
          streamId: { type: 'string' },
          context: { type: 'string', enum: ['sales', 'service', 'activities', 'marketing', 'other'] },
          kind: { type: 'string', enum: ['owned', 'mention'] },
          events: {
            type: 'array',
            items: {
              type: 'object',
              required: ['type', 'revision', 'occurredAt', 'data'],
              properties: {
                type: { type: 'string' },
                revision: { type: 'integer', minimum: 0 },
                occurredAt: { type: 'string', format: 'date-time' },
                data: { type: 'object', additionalProperties: true },
              },
              additionalProperties: false,
            },
          },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};
