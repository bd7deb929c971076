import { businessCalendar } from '@crm/shared/kernel';
import { refusalOf } from '@crm/shared/testing';
import type { Recurrence } from './activity.commands';
import { expandRecurrence, MAX_OCCURRENCES, recordedRecurrence } from './recurrence';

const refusal = refusalOf;

const tehran = '2025-03-03T10:00:00+03:30';

describe('expandRecurrence', () => {
  it('gives the single due time, in UTC, when not recurring', () => {
    expect(expandRecurrence(tehran)).toEqual(['2025-03-03T06:30:00.000Z']);
  });

  it('steps daily and weekly by whole days on the wall clock', () => {
    expect(expandRecurrence(tehran, { frequency: 'daily', interval: 2, count: 3 })).toEqual([
      '2025-03-03T06:30:00.000Z',
      '2025-03-05T06:30:00.000Z',
      '2025-03-07T06:30:00.000Z',
    ]);
    expect(expandRecurrence(tehran, { frequency: 'weekly', interval: 1, count: 4 })).toEqual([
      '2025-03-03T06:30:00.000Z',
      '2025-03-10T06:30:00.000Z',
      '2025-03-17T06:30:00.000Z',
      '2025-03-24T06:30:00.000Z',
    ]);
  });

  it('clamps a monthly series from the 31st to each short month and returns to the 31st after', () => {
    expect(expandRecurrence('2025-01-31T09:00:00Z', { frequency: 'monthly', interval: 1, count: 5 })).toEqual([
      '2025-01-31T09:00:00.000Z',
      '2025-02-28T09:00:00.000Z',
      '2025-03-31T09:00:00.000Z',
      '2025-04-30T09:00:00.000Z',
      '2025-05-31T09:00:00.000Z',
    ]);
    expect(expandRecurrence('2024-01-31T09:00:00Z', { frequency: 'monthly', interval: 1, count: 2 })[1]).toBe('2024-02-29T09:00:00.000Z');
  });

  it('steps months on the Tehran calendar day, not the UTC one', () => {
    // 01:00 on the 31st in Tehran is still the 30th in UTC.
    expect(expandRecurrence('2025-01-31T01:00:00+03:30', { frequency: 'monthly', interval: 1, count: 3 })).toEqual([
      '2025-01-30T21:30:00.000Z',
      '2025-02-27T21:30:00.000Z',
      '2025-03-30T21:30:00.000Z',
    ]);
  });

  // An outside probe: the steps were taken in dueAt's own offset, so the same instant sent in UTC (as JavaScript's
  // toISOString writes it) moved "the 1st of each month, 01:00 in Tehran" to the 29th, and a series across Iran's old
  // daylight time moved an hour. They are now taken on the business time zone's wall clock, with its rules.
  describe("on the business time zone's wall clock, whatever offset dueAt is written in", () => {
    const tehranCalendar = businessCalendar('Asia/Tehran');
    const monthly = { frequency: 'monthly', interval: 1, count: 3 } as const;

    it('gives the same series for the same instant written in UTC or in +03:30', () => {
      const firstOfMonth = ['2027-02-28T21:30:00.000Z', '2027-03-31T21:30:00.000Z', '2027-04-30T21:30:00.000Z'];
      expect(expandRecurrence('2027-03-01T01:00:00+03:30', monthly, tehranCalendar)).toEqual(firstOfMonth);
      expect(expandRecurrence('2027-02-28T21:30:00Z', monthly, tehranCalendar)).toEqual(firstOfMonth);
      expect(expandRecurrence('2027-02-28T17:30:00-0400', monthly, tehranCalendar)).toEqual(firstOfMonth);
    });

    it("keeps the local hour across Iran's daylight time (to 2022), and reads a time the clock jumped over with the offset before the jump", () => {
      // Daylight time ended at 24:00 on 21 September 2022 (+04:30 → +03:30): 10:00 stays 10:00.
      expect(expandRecurrence('2022-09-14T10:00:00+04:30', { frequency: 'weekly', interval: 1, count: 3 }, tehranCalendar)).toEqual([
        '2022-09-14T05:30:00.000Z',
        '2022-09-21T05:30:00.000Z',
        '2022-09-28T06:30:00.000Z',
      ]);
      // It began at 24:00 on 21 March 2021 (+03:30 → +04:30).
      expect(expandRecurrence('2021-03-20T10:00:00+03:30', { frequency: 'daily', interval: 1, count: 3 }, tehranCalendar)).toEqual([
        '2021-03-20T06:30:00.000Z',
        '2021-03-21T06:30:00.000Z',
        '2021-03-22T05:30:00.000Z',
      ]);
      // 00:30 on 22 March 2021 never showed on a Tehran clock (00:00 was 01:00): read with the offset before the jump,
      // as RFC 5545 and calendar applications do, it is 01:30.
      expect(expandRecurrence('2021-03-21T00:30:00+03:30', { frequency: 'daily', interval: 1, count: 3 }, tehranCalendar)).toEqual([
        '2021-03-20T21:00:00.000Z',
        '2021-03-21T21:00:00.000Z',
        '2021-03-22T20:00:00.000Z',
      ]);
    });

    it('steps on the wall clock of the calendar given: in UTC, a Tehran 01:00 is the day before', () => {
      expect(expandRecurrence('2027-03-01T01:00:00+03:30', monthly, businessCalendar('UTC'))).toEqual([
        '2027-02-28T21:30:00.000Z',
        '2027-03-28T21:30:00.000Z',
        '2027-04-28T21:30:00.000Z',
      ]);
    });
  });

  it('keeps 29 February in leap years and falls back to the 28th in the others', () => {
    expect(expandRecurrence('2024-02-29T08:00:00+03:30', { frequency: 'yearly', interval: 1, count: 5 })).toEqual([
      '2024-02-29T04:30:00.000Z',
      '2025-02-28T04:30:00.000Z',
      '2026-02-28T04:30:00.000Z',
      '2027-02-28T04:30:00.000Z',
      '2028-02-29T04:30:00.000Z',
    ]);
  });

  it('ends at until, inclusive', () => {
    const weekly = { frequency: 'weekly', interval: 1 } as const;
    expect(expandRecurrence(tehran, { ...weekly, until: '2025-03-17T10:00:00+03:30' })).toHaveLength(3);
    expect(expandRecurrence(tehran, { ...weekly, until: '2025-03-17T09:59:59+03:30' })).toHaveLength(2);
    expect(expandRecurrence(tehran, { ...weekly, until: tehran })).toEqual(['2025-03-03T06:30:00.000Z']);
  });

  it(`allows ${MAX_OCCURRENCES} occurrences and no more, by count or by until`, () => {
    expect(expandRecurrence(tehran, { frequency: 'daily', interval: 1, count: MAX_OCCURRENCES })).toHaveLength(MAX_OCCURRENCES);
    const lastAllowed = expandRecurrence(tehran, { frequency: 'daily', interval: 1, count: MAX_OCCURRENCES }).at(-1)!;
    expect(expandRecurrence(tehran, { frequency: 'daily', interval: 1, until: lastAllowed })).toHaveLength(MAX_OCCURRENCES);
    expect(refusal(() => expandRecurrence(tehran, { frequency: 'daily', interval: 1, until: '2027-01-01T00:00:00Z' }))).toEqual({
      code: 'ACTIVITY.RECURRENCE_TOO_LONG',
      fields: ['recurrence.until'],
    });
    expect(refusal(() => expandRecurrence(tehran, { frequency: 'daily', interval: 1, count: MAX_OCCURRENCES + 1 }))).toEqual({
      code: 'ACTIVITY.INVALID_RECURRENCE',
      fields: ['recurrence.count'],
    });
  });

  it('names every bad field of a malformed recurrence', () => {
    const bad = { frequency: 'hourly', interval: 0 } as unknown as Recurrence;
    expect(refusal(() => expandRecurrence(tehran, bad))).toEqual({
      code: 'ACTIVITY.INVALID_RECURRENCE',
      fields: ['recurrence.frequency', 'recurrence.interval', 'recurrence.count', 'recurrence.until'],
    });
    const both = { frequency: 'weekly', interval: 1.5, count: 2, until: '2025-04-01T00:00:00Z' } as const;
    expect(refusal(() => expandRecurrence(tehran, both)).fields).toEqual(['recurrence.interval', 'recurrence.count', 'recurrence.until']);
    expect(refusal(() => expandRecurrence(tehran, { frequency: 'weekly', interval: 1, count: 0 })).fields).toEqual(['recurrence.count']);
  });

  it('refuses an until before dueAt, and a series running past the year 2199 (the years every date the CRM records falls in)', () => {
    expect(refusal(() => expandRecurrence(tehran, { frequency: 'daily', interval: 1, until: '2025-03-03T06:29:59Z' }))).toEqual({
      code: 'ACTIVITY.INVALID_RECURRENCE',
      fields: ['recurrence.until'],
    });
    expect(refusal(() => expandRecurrence(tehran, { frequency: 'yearly', interval: 100, count: 100 })).code).toBe(
      'ACTIVITY.INVALID_RECURRENCE',
    );
    // An outside probe: a yearly series every 365 years put its second occurrence in 2392, and one from 2199 ran into 2200.
    expect(refusal(() => expandRecurrence('2027-01-31T10:00:00+03:30', { frequency: 'yearly', interval: 365, count: 2 }))).toEqual({
      code: 'ACTIVITY.INVALID_RECURRENCE',
      fields: ['recurrence.interval', 'recurrence.count'],
    });
    expect(refusal(() => expandRecurrence('2199-06-01T10:00:00Z', { frequency: 'yearly', interval: 1, count: 3 })).code).toBe(
      'ACTIVITY.INVALID_RECURRENCE',
    );
    // The written year counts, in dueAt's own offset: 23:00 on 31 December 2199 in Tehran is still 2199 there.
    expect(expandRecurrence('2199-12-30T23:00:00+03:30', { frequency: 'daily', interval: 1, count: 2 })).toEqual([
      '2199-12-30T19:30:00.000Z',
      '2199-12-31T19:30:00.000Z',
    ]);
    expect(refusal(() => expandRecurrence('2199-12-31T10:00:00+03:30', { frequency: 'daily', interval: 1, count: 2 })).code).toBe(
      'ACTIVITY.INVALID_RECURRENCE',
    );
  });

  it('refuses times without an offset, which would read differently on every server, and impossible dates', () => {
    expect(refusal(() => expandRecurrence('2025-03-03T10:00:00'))).toEqual({ code: 'ACTIVITY.INVALID_TIME', fields: ['dueAt'] });
    // Date.parse would roll these over to 2 March and to the next day.
    expect(refusal(() => expandRecurrence('2025-02-30T10:00:00+03:30')).code).toBe('ACTIVITY.INVALID_TIME');
    expect(refusal(() => expandRecurrence('2025-02-28T24:00:00Z')).code).toBe('ACTIVITY.INVALID_TIME');
    expect(refusal(() => expandRecurrence(tehran, { frequency: 'daily', interval: 1, until: 'فردا' }))).toEqual({
      code: 'ACTIVITY.INVALID_TIME',
      fields: ['recurrence.until'],
    });
  });
});

describe('recordedRecurrence', () => {
  it('keeps only the recurrence fields, until in UTC', () => {
    const sent = { frequency: 'weekly', interval: 1, until: '2025-03-31T23:59:00+03:30', extra: 'x' } as Recurrence;
    expect(recordedRecurrence(sent)).toEqual({ frequency: 'weekly', interval: 1, until: '2025-03-31T20:29:00.000Z' });
  });
});
