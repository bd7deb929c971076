import { DomainError } from '@crm/shared/event-sourcing';
import { dueBreaches, isBreached, type MilestoneDeadline } from './sla-breaches';
import { assertValidPolicy, DEFAULT_SLA_POLICY, deadlineFor, deadlinesFor, SEVERITIES, type Severity } from './sla-policy';

const RECEIVED_AT = '2025-03-01T10:00:00+03:30'; // 06:30 UTC, as a Tehran call centre writes it
const plus = (minutes: number, seconds = 0) => new Date(Date.parse(RECEIVED_AT) + minutes * 60_000 + seconds * 1000).toISOString();
const HOUR = 60;
const DAY = 24 * HOUR;

describe('DEFAULT_SLA_POLICY', () => {
  it('acknowledges and resolves faster the more severe the complaint', () => {
    expect(DEFAULT_SLA_POLICY).toEqual({
      critical: { acknowledgeWithinMinutes: HOUR, resolveWithinMinutes: DAY },
      high: { acknowledgeWithinMinutes: 4 * HOUR, resolveWithinMinutes: 3 * DAY },
      medium: { acknowledgeWithinMinutes: DAY, resolveWithinMinutes: 7 * DAY },
      low: { acknowledgeWithinMinutes: 2 * DAY, resolveWithinMinutes: 14 * DAY },
    });
    expect(() => assertValidPolicy(DEFAULT_SLA_POLICY)).not.toThrow();
  });
});

describe('deadlinesFor', () => {
  it.each<[Severity, number, number]>([
    ['critical', HOUR, DAY],
    ['high', 4 * HOUR, 3 * DAY],
    ['medium', DAY, 7 * DAY],
    ['low', 2 * DAY, 14 * DAY],
  ])('%s: acknowledge and resolve counted from receipt, in UTC', (severity, ack, resolve) => {
    expect(deadlinesFor(DEFAULT_SLA_POLICY, severity, RECEIVED_AT)).toEqual({ acknowledgeBy: plus(ack), resolveBy: plus(resolve) });
  });

  it('writes deadlines in UTC whatever offset receipt was given in', () => {
    expect(deadlinesFor(DEFAULT_SLA_POLICY, 'critical', RECEIVED_AT).acknowledgeBy).toBe('2025-03-01T07:30:00.000Z');
  });

  it('counts a restarted clock from where it restarts', () => {
    expect(deadlineFor(DEFAULT_SLA_POLICY, 'high', 'resolve', '2025-03-10T08:00:00Z')).toBe('2025-03-13T08:00:00.000Z');
    expect(deadlineFor(DEFAULT_SLA_POLICY, 'low', 'acknowledge', '2025-03-10T08:00:00Z')).toBe('2025-03-12T08:00:00.000Z');
  });

  it.each(['2025-03-01T10:00:00', '1403/12/11', 'not a time'])('refuses %p: a time without offset depends on the machine', (receivedAt) => {
    expect(() => deadlinesFor(DEFAULT_SLA_POLICY, 'low', receivedAt)).toThrow(expect.objectContaining({ code: 'TIME.INVALID' }));
  });
});

describe('assertValidPolicy', () => {
  it('names every bad field', () => {
    const policy = {
      ...DEFAULT_SLA_POLICY,
      critical: { acknowledgeWithinMinutes: 0, resolveWithinMinutes: 60 },
      high: { acknowledgeWithinMinutes: 30.5, resolveWithinMinutes: -1 },
      low: { acknowledgeWithinMinutes: 600, resolveWithinMinutes: 599 },
    };
    let error: unknown;
    try {
      assertValidPolicy(policy);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'SLA.INVALID_POLICY',
      details: {
        fields: [
          'slaPolicy.low.resolveWithinMinutes',
          'slaPolicy.high.acknowledgeWithinMinutes',
          'slaPolicy.high.resolveWithinMinutes',
          'slaPolicy.critical.acknowledgeWithinMinutes',
        ],
      },
    });
  });

  it('covers every severity', () => {
    expect(SEVERITIES).toEqual(['low', 'medium', 'high', 'critical']);
  });
});

describe('dueBreaches: strictly after the deadline is a breach, exactly at it is not', () => {
  const ackBy = plus(4 * HOUR);
  const resolveBy = plus(3 * DAY);
  const acknowledge: MilestoneDeadline = { milestone: 'acknowledge', deadline: ackBy, breachRecorded: false };
  const open: MilestoneDeadline[] = [acknowledge, { milestone: 'resolve', deadline: resolveBy, breachRecorded: false }];
  const milestones = (now: string) => dueBreaches(open, now).map((m) => m.milestone);

  it.each([
    ['one second before the acknowledgement deadline', plus(4 * HOUR, -1), []],
    ['exactly at the acknowledgement deadline', plus(4 * HOUR), []],
    ['one second after the acknowledgement deadline', plus(4 * HOUR, 1), ['acknowledge']],
    ['one second before the resolution deadline', plus(3 * DAY, -1), ['acknowledge']],
    ['exactly at the resolution deadline', plus(3 * DAY), ['acknowledge']],
    ['one second after the resolution deadline', plus(3 * DAY, 1), ['acknowledge', 'resolve']],
  ])('%s', (_when, now, expected) => {
    expect(milestones(now)).toEqual(expected);
  });

  it('leaves out a breach already recorded', () => {
    expect(dueBreaches([{ ...acknowledge, breachRecorded: true }], plus(DAY))).toEqual([]);
  });

  it.each([
    ['one second before', plus(4 * HOUR, -1), false],
    ['exactly at', plus(4 * HOUR), false],
    ['one second after', plus(4 * HOUR, 1), true],
  ])('a milestone met %s its deadline is breached: %p', (_when, metAt, breached) => {
    const met: MilestoneDeadline = { milestone: 'acknowledge', deadline: ackBy, metAt, breachRecorded: false };
    expect(isBreached(met, plus(10 * DAY))).toBe(breached);
    expect(dueBreaches([met], plus(10 * DAY))).toEqual(breached ? [met] : []);
  });

  it('compares instants, not strings, across offsets', () => {
    const tehran: MilestoneDeadline = { milestone: 'acknowledge', deadline: '2025-03-01T14:00:00+03:30', breachRecorded: false };
    expect(isBreached(tehran, '2025-03-01T10:30:00Z')).toBe(false);
    expect(isBreached(tehran, '2025-03-01T10:30:00.001Z')).toBe(true);
  });
});
