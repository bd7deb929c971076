import { DATA_SUBJECT_TYPES } from '@crm/privacy/domain';

/**
 * How a person is named: as a lead or contact, as the account of an individual customer, or (on file as none of these)
 * by the complaint, feedback or survey response they made.
 */
export const SUBJECT_DESCRIPTION =
  'The person: a lead or a contact (the records linked to it by qualification go too); a person on file only as an ' +
  'account (an individual customer: the account, its deals and quotes, what it made and what is logged about any of ' +
  'them; name a company account only to erase the company’s records with it); or someone on file as none of these, ' +
  'who made a complaint, feedback or survey response as { name, phone?, email? }, named by that record ' +
  '(type complaint, feedback or survey-response and its id; a complaint brings the activities and interactions regarding it). ' +
  'A record whose maker is a contact or account is refused with 409 DATA_SUBJECT.ON_FILE: name the contact or account instead.';

const subject = {
  type: 'object',
  required: ['type', 'id'],
  properties: { type: { type: 'string', enum: [...DATA_SUBJECT_TYPES] }, id: { type: 'string', format: 'uuid' } },
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
    identities: {
      type: 'array',
      items: subject,
      description: 'The person as lead and contact, linked by qualification (a record maker not on file: the record itself)',
    },
    erasure: {
      type: 'object',
      nullable: true,
      required: ['erasedAt', 'reason'],
      properties: { erasedAt: { type: 'string', format: 'date-time' }, reason: { type: 'string' } },
      description: 'Null until erased; afterwards personal fields read "[erased]"',
    },
    erasureUnfinished: {
      type: 'boolean',
      enum: [true],
      description:
        'Present (true) when an erasure of the person was started and not recorded: its process stopped part-way, so some of ' +
        'their data may already read "[erased]" while erasure is null. Send the erasure again to finish it.',
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
