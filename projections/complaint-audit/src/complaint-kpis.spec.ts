import { complaintKpisProjection, type ComplaintKpiRow } from './complaint-kpis.projection';
import { complaintKpis, type Compliance } from './complaint-kpis';
import { after, commands, DAY, history, HOUR, step, type Step } from './complaint-history.fixture';

/** Rows as the projection folds them from histories the domain decided. */
function rows(...histories: (readonly [string, readonly Step[]])[]): ComplaintKpiRow[] {
  return histories.map(([id, steps]) => {
    let row: ComplaintKpiRow | null = null;
    let revision = 0;
    for (const event of history(id, steps)) {
      const recorded = { ...event, revision, position: BigInt(revision), metadata: { ...event.metadata, tenantId: 'default' } };
      row = complaintKpisProjection.evolve(row, recorded as never, 'kpis') as ComplaintKpiRow | null;
      revision += 1;
    }
    if (row === null) throw new Error(`no row for ${id}`);
    return row;
  });
}

const compliance = (met: number, missed: number, pending: number, voided = 0, overdue = 0): Compliance => ({
  due: met + missed,
  met,
  missed,
  pending,
  overdue,
  void: voided,
  rate: met + missed === 0 ? null : Math.round((met / (met + missed)) * 10_000) / 10_000,
});

const ackOf = (rowsGiven: ComplaintKpiRow[], asOf: string) => complaintKpis(rowsGiven, asOf).slaCompliance.byMilestone.acknowledge;
const resolveOf = (rowsGiven: ComplaintKpiRow[], asOf: string) => complaintKpis(rowsGiven, asOf).slaCompliance.byMilestone.resolve;

describe('SLA compliance counts the recorded outcomes: judged by the deadline in force when met', () => {
  it('an acknowledgement in time stays met when a later assessment would have shortened its deadline', () => {
    const c = commands('a');
    // Provisional medium: acknowledge within a day. Acknowledged at 5 h, then assessed critical (1 h) at 6 h.
    const given = rows(['a', [step(0, c.receive), step(5 * HOUR, c.acknowledge), step(6 * HOUR, c.assess('critical'))]]);
    expect(ackOf(given, after(2 * DAY))).toEqual(compliance(1, 0, 0));
    expect(complaintKpis(given, after(2 * DAY)).slaCompliance.breachesRecorded).toBe(0);
  });

  it('a late acknowledgement stays missed when a later assessment lengthens the deadline', () => {
    const c = commands('b');
    // Acknowledged at 25 h against 24 h (breach recorded with it), then assessed low (2 days).
    const given = rows(['b', [step(0, c.receive), step(25 * HOUR, c.acknowledge), step(26 * HOUR, c.assess('low'))]]);
    expect(ackOf(given, after(3 * DAY))).toEqual(compliance(0, 1, 0));
    expect(complaintKpis(given, after(3 * DAY)).slaCompliance).toMatchObject({ breachesRecorded: 1, breachesWithdrawn: 0 });
  });

  it('a deadline extended before the milestone is met withdraws the breach, and the figure follows it as of each date', () => {
    const c = commands('c');
    const given = rows([
      'c',
      [
        step(0, c.receive),
        step(DAY + 10, c.breach('acknowledge', after(DAY))),
        step(DAY + 2 * HOUR, c.assess('low')),
        step(30 * HOUR, c.acknowledge),
      ],
    ]);
    expect(ackOf(given, after(DAY + HOUR))).toEqual(compliance(0, 1, 0));
    expect(ackOf(given, after(DAY + 3 * HOUR))).toEqual(compliance(0, 0, 1));
    // Past the extended deadline (2 days) with nothing recorded yet: pending, and overdue.
    expect(ackOf(rows(['c2', [step(0, commands('c2').receive), step(DAY + HOUR, commands('c2').assess('low'))]]), after(3 * DAY))).toEqual(
      compliance(0, 0, 1, 0, 1),
    );
    expect(ackOf(given, after(31 * HOUR))).toEqual(compliance(1, 0, 0));
    expect(complaintKpis(given, after(31 * HOUR)).slaCompliance).toMatchObject({ breachesRecorded: 1, breachesWithdrawn: 1 });
  });

  it('withdrawals are outside the SLA: void before a deadline passed, missed after (the breach is on record)', () => {
    const early = commands('d');
    const late = commands('e');
    const given = rows(
      ['d', [step(0, early.receive), step(HOUR, early.acknowledge), step(2 * DAY, early.close('withdrawn'))]],
      ['e', [step(0, late.receive), step(2 * DAY, late.close('withdrawn'))]],
    );
    // d: acknowledged in time, withdrawn before resolving fell due. e: never acknowledged, withdrawn after the day it had.
    expect(ackOf(given, after(3 * DAY))).toEqual(compliance(1, 1, 0));
    expect(resolveOf(given, after(3 * DAY))).toEqual(compliance(0, 0, 0, 2));
    expect(complaintKpis(given, after(3 * DAY)).timeToResolve.count).toBe(0);
  });
});

describe('asOf: every figure is what was true at that instant', () => {
  const c = commands('f');
  const g = commands('g');
  const given = rows(
    [
      'f',
      [
        step(0, c.receive),
        step(HOUR, c.acknowledge),
        step(2 * HOUR, c.assess('high')),
        step(DAY, c.respond),
        step(DAY + HOUR, c.decide),
        step(2 * DAY, c.close('resolved')),
        step(2 * DAY + HOUR, c.satisfaction(4)),
        step(4 * DAY, c.reopen),
        step(5 * DAY, c.escalate('head_office')),
      ],
    ],
    ['g', [step(3 * DAY, g.receive)]],
  );

  it('before closing: one complaint, open, nothing resolved', () => {
    expect(complaintKpis(given, after(DAY + 2 * HOUR))).toMatchObject({
      complaints: 1,
      timeToAcknowledge: { count: 1, meanHours: 1, medianHours: 1 },
      timeToResolve: { count: 0 },
      byStatus: { decision_communicated: 1, closed: 0 },
      bySeverity: { high: 1 },
      reopen: { closed: 0, reopened: 0, rate: null },
      satisfaction: { responses: 0 },
      slaCompliance: { met: 1, missed: 0, pending: 1 },
    });
  });

  it('after closing, before the reopening and the second complaint', () => {
    expect(complaintKpis(given, after(3 * DAY - 1))).toMatchObject({
      complaints: 1,
      timeToResolve: { count: 1, meanHours: 48 },
      byStatus: { closed: 1 },
      reopen: { closed: 1, reopened: 0, reopenings: 0, rate: 0 },
      satisfaction: { responses: 1, mean: 4 },
      escalation: { head_office: { complaints: 0, rate: 0 } },
      slaCompliance: { met: 2, missed: 0, pending: 0 },
    });
  });

  it('after the reopening and the escalation', () => {
    expect(complaintKpis(given, after(6 * DAY))).toMatchObject({
      complaints: 2,
      timeToResolve: { count: 0 },
      byStatus: { received: 1, investigating: 1, closed: 0 },
      reopen: { closed: 1, reopened: 1, reopenings: 1, rate: 1 },
      escalation: { head_office: { complaints: 1, rate: 0.5 } },
      // f: acknowledge met, resolve met, the new cycle's resolution pending (due 3 days after the reopening);
      // g: acknowledge (due after a day) overdue with no breach recorded yet, resolve pending.
      slaCompliance: { met: 2, missed: 0, pending: 3, overdue: 1 },
    });
  });

  it('gives null, not zero, for rates and means of nothing', () => {
    expect(complaintKpis([], after(0))).toMatchObject({
      complaints: 0,
      timeToAcknowledge: { count: 0, meanHours: null, medianHours: null },
      slaCompliance: { due: 0, rate: null },
      escalation: { legal: { complaints: 0, rate: null } },
      reopen: { rate: null },
      satisfaction: { responses: 0, mean: null },
      byCategory: [],
    });
  });
});
