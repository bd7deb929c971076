import { complaintKpis, milestoneOutcome } from './complaint-kpis';
import type { ComplaintKpiRow, MilestoneRecord } from './complaint-kpis.projection';

const T0 = Date.parse('2025-03-01T06:30:00.000Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();

function row(complaintId: string, receivedHour: number, fields: Partial<ComplaintKpiRow>): ComplaintKpiRow {
  return {
    tenantId: 'default',
    complaintId,
    receivedAt: at(receivedHour),
    channel: 'phone',
    category: 'کیفیت کالا',
    categoryKey: 'کیفیت کالا',
    status: 'received',
    escalationLevel: 'local',
    closings: 0,
    reopenCount: 0,
    satisfactionScores: [],
    breachesRecorded: 0,
    milestones: [],
    lastRevision: 0,
    ...fields,
  };
}

const ack = (deadline: number, metAt?: number): MilestoneRecord => ({
  milestone: 'acknowledge',
  deadline: at(deadline),
  ...(metAt === undefined ? {} : { metAt: at(metAt) }),
});
const resolve = (deadline: number, metAt?: number): MilestoneRecord => ({
  milestone: 'resolve',
  deadline: at(deadline),
  ...(metAt === undefined ? {} : { metAt: at(metAt) }),
});

// Four complaints, times in hours after T0; the report is asked two days after T0.
const rows = [
  row('a', 0, {
    status: 'closed',
    severity: 'high',
    escalationLevel: 'head_office',
    acknowledgedAt: at(2),
    closedAt: at(26),
    outcome: 'resolved',
    closings: 1,
    satisfactionScores: [4],
    milestones: [ack(4, 2), resolve(72, 26)],
  }),
  row('b', 1, {
    status: 'closed',
    severity: 'medium',
    category: 'تحویل',
    categoryKey: 'تحویل',
    escalationLevel: 'legal',
    acknowledgedAt: at(7),
    closedAt: at(51),
    outcome: 'resolved',
    closings: 2,
    reopenCount: 1,
    satisfactionScores: [2, 3],
    breachesRecorded: 1,
    milestones: [ack(25, 7), resolve(169, 21), resolve(41, 51)],
  }),
  row('c', 2, { category: 'كيفيت كالا', breachesRecorded: 1, milestones: [ack(26), resolve(170)] }),
  row('d', 3, {
    status: 'closed',
    severity: 'low',
    category: 'تحویل',
    categoryKey: 'تحویل',
    escalationLevel: 'external_body',
    acknowledgedAt: at(4),
    closedAt: at(13),
    outcome: 'unresolved',
    closings: 1,
    breachesRecorded: 1,
    milestones: [ack(3.5, 4), resolve(339, 13)],
  }),
];

describe('milestoneOutcome: the domain’s boundary rule, as of a date', () => {
  it.each<[string, MilestoneRecord, string, string]>([
    ['met exactly at the deadline', ack(4, 4), at(10), 'met'],
    ['met a millisecond late', { ...ack(4), metAt: new Date(T0 + 4 * HOUR + 1).toISOString() }, at(10), 'missed'],
    ['open, asked exactly at the deadline', ack(4), at(4), 'pending'],
    ['open, asked a millisecond after it', ack(4), new Date(T0 + 4 * HOUR + 1).toISOString(), 'missed'],
    ['met after the date asked about, deadline still ahead', ack(4, 3), at(2), 'pending'],
    ['met after the date asked about, deadline passed', ack(4, 5), at(4.5), 'missed'],
    ['withdrawn before it fell due', { ...ack(4), abandonedAt: at(1) }, at(10), 'void'],
    ['withdrawn after it fell due', { ...ack(4), abandonedAt: at(5) }, at(10), 'missed'],
  ])('%s → %s', (_case, milestone, asOf, outcome) => {
    expect(milestoneOutcome(milestone, asOf)).toBe(outcome);
  });
});

describe('complaintKpis', () => {
  it('computes every KPI with hand-checked numbers', () => {
    expect(complaintKpis(rows, at(48))).toEqual({
      asOf: at(48),
      complaints: 4,
      // a 2 h, b 6 h, d 1 h.
      timeToAcknowledge: { count: 3, meanHours: 3, medianHours: 2 },
      // a 26 h, b 50 h; d was closed unresolved and c is open.
      timeToResolve: { count: 2, meanHours: 38, medianHours: 38 },
      slaCompliance: {
        // acknowledge: a, b met; c overdue, d late. resolve: a, b (1st cycle), d met; b (2nd) late; c still running.
        due: 8,
        met: 5,
        missed: 3,
        pending: 1,
        rate: 0.625,
        byMilestone: {
          acknowledge: { due: 4, met: 2, missed: 2, pending: 0, rate: 0.5 },
          resolve: { due: 4, met: 3, missed: 1, pending: 1, rate: 0.75 },
        },
        breachesRecorded: 3,
      },
      escalation: {
        head_office: { complaints: 3, rate: 0.75 },
        external_body: { complaints: 2, rate: 0.5 },
        legal: { complaints: 1, rate: 0.25 },
      },
      reopen: { closed: 3, reopened: 1, reopenings: 1, rate: 0.3333 },
      satisfaction: { responses: 3, mean: 3 },
      byStatus: { received: 1, acknowledged: 0, investigating: 0, responded: 0, decision_communicated: 0, closed: 3 },
      bySeverity: { low: 1, medium: 1, high: 1, critical: 0, unassessed: 1 },
      byCategory: [
        { category: 'تحویل', count: 2 },
        { category: 'کیفیت کالا', count: 2 },
      ],
    });
  });

  it('counts nothing as due before its outcome is known', () => {
    const early = complaintKpis(rows, at(1));
    expect(early.slaCompliance).toMatchObject({ due: 0, met: 0, missed: 0, pending: 9, rate: null });
  });

  it('gives null, not zero, for rates and means of nothing', () => {
    expect(complaintKpis([], at(0))).toMatchObject({
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
