import { DomainError, streamIdOf, type Command, type Decider, type Event } from '@crm/shared/event-sourcing';
import { isBlank, refusals, uuidV5 } from '@crm/shared/kernel';

/**
 * The people the CRM holds data about, as API.md names them (a lead or a contact), a person on file only as an
 * account (an individual customer's account, opened directly with their name and national id), and those who
 * are on file as none of these: someone who complained, gave feedback or answered a survey as
 * `{ name, phone?, email? }` is named by that record (docs/personal-data.md "Who can be named").
 */
export const DATA_SUBJECT_TYPES = ['lead', 'contact', 'account', 'complaint', 'feedback', 'survey-response'] as const;
export type DataSubjectType = (typeof DATA_SUBJECT_TYPES)[number];
/** The subject types that name a person by a record they made rather than by a lead or contact. */
export const RECORD_SUBJECT_TYPES: readonly DataSubjectType[] = ['complaint', 'feedback', 'survey-response'];

export interface DataSubject {
  readonly type: DataSubjectType;
  readonly id: string;
}

export const DATA_SUBJECT_REFUSALS = refusals('DATA_SUBJECT', {
  NOT_FOUND: [404, 'No lead, contact, account or record of this type has this id in the caller’s tenant'],
  ON_FILE: [409, 'This record’s maker is on file as a contact or account: name the contact (or lead), or the account, instead'],
  ERASED: [409, 'This person’s personal data is already erased'],
  REASON_REQUIRED: [400, 'The reason is blank once spacing marks are removed'],
});

/** One erasure record per person, named by the person's id (never by their data). */
export const dataSubjectStream = (subject: DataSubject): string => streamIdOf('data-subject', uuidV5(`${subject.type}/${subject.id}`));

export type EraseDataSubject = Command<
  'EraseDataSubject',
  {
    subject: DataSubject;
    reason: string;
    /** The streams whose keys are destroyed: the person's own records and those they made. */
    records: readonly string[];
    erasedAt: string;
    /** The purge list, sealed (opaque here): see DataSubjectErased. */
    purge?: string;
  }
>;

/**
 * Who erased whom (the actor, in the envelope), when and why — and nothing of the erased data in
 * the clear. `purge` is the list of values the read models are purged of, sealed under a key of its
 * own that is destroyed shortly after (docs/personal-data.md "Erasure"): projection runners in other
 * processes purge what they wrote with it, then it reads as nothing.
 */
export type DataSubjectErased = Event<
  'DataSubjectErased',
  { subject: DataSubject; reason: string; records: string[]; erasedAt: string; purge?: string }
>;

/** What an erasure under way listed, recorded before it destroys any key (see DataSubjectErasureListed). */
export type RecordErasureListing = Command<
  'RecordErasureListing',
  {
    subject: DataSubject;
    records: readonly string[];
    points: string;
    values: string;
    listedAt: string;
    companies?: readonly string[];
    names?: string;
  }
>;

/**
 * What an erasure under way listed, right before it destroyed those keys: the records (by stream, no personal data),
 * the accounts of the person's qualifications it judged a company's (`companies`, by stream: never theirs, though a
 * retry reads their names and the person's alike once the lead's key is gone), the person's names (`names`, sealed as
 * `values` is: an account bearing one of them is theirs),
 * and the person's emails and phones (`points`) and the values it scrubs the read models of (`values`), both sealed
 * (opaque here) under a key of the erasure's own that goes when the erasure is recorded. An erasure sent again after
 * its process stopped part-way starts from it: by then the keys may be gone, and with them what tied those records
 * to the person and the values another process's read models may still hold.
 */
export type DataSubjectErasureListed = Event<
  'DataSubjectErasureListed',
  { subject: DataSubject; records: string[]; points: string; values: string; listedAt: string; companies?: string[]; names?: string }
>;

export type DataSubjectCommand = EraseDataSubject | RecordErasureListing;
export type DataSubjectEvent = DataSubjectErased | DataSubjectErasureListed;

export type DataSubjectState =
  | { readonly status: 'held' }
  | { readonly status: 'erased'; readonly erasedAt: string; readonly reason: string; readonly records: readonly string[] };

export const dataSubjectDecider: Decider<DataSubjectState, DataSubjectCommand, DataSubjectEvent> = {
  initialState: () => ({ status: 'held' }),
  decide: (command, state) => {
    if (state.status === 'erased') {
      throw new DomainError(DATA_SUBJECT_REFUSALS.ERASED, 'Already erased', { erasedAt: state.erasedAt });
    }
    if (command.type === 'RecordErasureListing') {
      const { subject, records, points, values, listedAt, companies, names } = command.data;
      const listed = {
        subject: { type: subject.type, id: subject.id },
        records: [...records],
        points,
        values,
        listedAt,
        ...(companies === undefined ? {} : { companies: [...companies] }),
        ...(names === undefined ? {} : { names }),
      };
      return [{ type: 'DataSubjectErasureListed', data: listed }];
    }
    const { subject, reason, records, erasedAt, purge } = command.data;
    if (isBlank(reason)) throw new DomainError(DATA_SUBJECT_REFUSALS.REASON_REQUIRED, 'A reason is required', { fields: ['reason'] });
    return [
      {
        type: 'DataSubjectErased',
        data: {
          subject: { type: subject.type, id: subject.id },
          reason: reason.trim(),
          records: [...records],
          erasedAt,
          ...(purge === undefined ? {} : { purge }),
        },
      },
    ];
  },
  evolve: (state, event) =>
    event.type === 'DataSubjectErasureListed'
      ? state
      : { status: 'erased', erasedAt: event.data.erasedAt, reason: event.data.reason, records: event.data.records },
  refusals: DATA_SUBJECT_REFUSALS,
};
