import { addMonths, asOfInstant, daysBetween, instantOf } from './days';

describe('days', () => {
  it('reads a bare asOf date as the end of that business day (Tehran), and an instant as given', () => {
    expect(new Date(asOfInstant('2026-01-31')).toISOString()).toBe('2026-01-31T20:29:59.999Z');
    // Summer 2021: Tehran kept +04:30.
    expect(new Date(asOfInstant('2021-07-31')).toISOString()).toBe('2021-07-31T19:29:59.999Z');
    expect(new Date(asOfInstant('2026-01-31T10:00:00+03:30')).toISOString()).toBe('2026-01-31T06:30:00.000Z');
    expect(() => asOfInstant('2026-01-31T10:00')).toThrow(/ISO 8601/);
    expect(() => asOfInstant('yesterday')).toThrow(/ISO 8601/);
    expect(() => asOfInstant('2025-02-30')).toThrow('asOf must be an ISO 8601 date or instant with offset, got "2025-02-30"');
    expect(() => instantOf('2025-02-29T00:00:00Z', 'from')).toThrow(/^from must be/);
    expect(new Date(instantOf('2024-02-29', 'from')).toISOString()).toBe('2024-02-28T20:30:00.000Z');
  });

  it('counts whole business calendar days (Tehran): a day ends at 20:30 UTC', () => {
    expect(daysBetween(Date.parse('2025-06-29T20:00:00Z'), Date.parse('2025-06-29T21:00:00Z'))).toBe(1);
    expect(daysBetween(Date.parse('2025-06-29T23:00:00Z'), Date.parse('2025-06-30T01:00:00Z'))).toBe(0);
    expect(daysBetween(Date.parse('2025-06-29T20:30:00Z'), Date.parse('2025-06-30T20:29:59Z'))).toBe(0);
  });

  it('adds calendar months, clamping the day to the month’s end and keeping the time of day', () => {
    expect(new Date(addMonths(Date.parse('2025-01-31T10:30:00Z'), 1)).toISOString()).toBe('2025-02-28T10:30:00.000Z');
    expect(new Date(addMonths(Date.parse('2024-01-31T10:30:00Z'), 1)).toISOString()).toBe('2024-02-29T10:30:00.000Z');
    expect(new Date(addMonths(Date.parse('2025-11-15T00:00:00Z'), 3)).toISOString()).toBe('2026-02-15T00:00:00.000Z');
    expect(new Date(addMonths(Date.parse('2025-06-30T12:00:00Z'), -11)).toISOString()).toBe('2024-07-30T12:00:00.000Z');
    // 31 January at 21:00 UTC is 00:30 on 1 February in Tehran: a month on is 1 March, not 28 February.
    expect(new Date(addMonths(Date.parse('2025-01-31T21:00:00Z'), 1)).toISOString()).toBe('2025-02-28T21:00:00.000Z');
    // The wall-clock time is kept across Iran's old daylight time: 10:00 in Tehran in January is 10:00 in July 2021.
    expect(new Date(addMonths(Date.parse('2021-01-15T06:30:00Z'), 6)).toISOString()).toBe('2021-07-15T05:30:00.000Z');
  });
});
