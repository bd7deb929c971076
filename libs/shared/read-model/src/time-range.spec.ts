import { timeRange, utcInstant } from './time-range';

describe('time ranges on stored UTC times', () => {
  it('reads times with offsets as the instants they are', () => {
    expect(utcInstant('2025-03-01T10:00:00+03:30')).toBe('2025-03-01T06:30:00.000Z');
  });

  it('includes the whole business day (Tehran) of a date-only `to`, and exactly the instant of a timed one', () => {
    expect(timeRange()).toBeUndefined();
    expect(timeRange('2025-03-01', '2025-03-31')).toEqual({ gte: '2025-02-28T20:30:00.000Z', lt: '2025-03-31T20:30:00.000Z' });
    // Summer 2021 kept +04:30.
    expect(timeRange('2021-07-01', '2021-07-01')).toEqual({ gte: '2021-06-30T19:30:00.000Z', lt: '2021-07-01T19:30:00.000Z' });
    expect(timeRange(undefined, '2025-03-01T10:00:00+03:30')).toEqual({ lte: '2025-03-01T06:30:00.000Z' });
    expect(timeRange('2025-03-01T10:00:00+03:30')).toEqual({ gte: '2025-03-01T06:30:00.000Z' });
  });
});
