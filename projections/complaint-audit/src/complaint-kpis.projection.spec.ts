import { projectionSpec } from '@crm/shared/testing';
import { complaintKpisProjection, type ComplaintKpiRow } from './complaint-kpis.projection';
import { after, commands, DAY, history, HOUR, step } from './complaint-history.fixture';

const c = commands('c-1');

describe('complaint-kpis projection', () => {
  it('sums a complaint up: times met, each handling cycle’s resolution milestone, escalation, reopenings, breaches', () => {
    const events = history('c-1', [
      step(0, c.receive),
      step(10, c.assess('high')),
      step(5 * HOUR, c.acknowledge),
      step(6 * HOUR, c.escalate('head_office')),
      step(DAY, c.respond),
      step(DAY + HOUR, c.decide),
      step(DAY + 2 * HOUR, c.close('resolved')),
      step(2 * DAY, c.reopen),
    ]);
    projectionSpec(complaintKpisProjection)
      .given(events)
      .thenDocuments({
        'default:c-1': {
          tenantId: 'default',
          complaintId: 'c-1',
          receivedAt: after(0),
          channel: 'phone',
          category: 'کیفیت کالا',
          categoryKey: 'کیفیت کالا',
          status: 'investigating',
          severity: 'high',
          escalationLevel: 'head_office',
          acknowledgedAt: after(5 * HOUR),
          closedAt: after(DAY + 2 * HOUR),
          outcome: 'resolved',
          closings: 1,
          reopenCount: 1,
          satisfactionScores: [],
          breachesRecorded: 1,
          milestones: [
            // Assessment as `high` re-dated the acknowledgement to 4 hours; it came at 5.
            { milestone: 'acknowledge', deadline: after(4 * HOUR), metAt: after(5 * HOUR) },
            { milestone: 'resolve', deadline: after(3 * DAY), metAt: after(DAY + 2 * HOUR) },
            // The reopening restarted the resolution clock: 3 days from the reopening.
            { milestone: 'resolve', deadline: after(5 * DAY) },
          ],
          lastRevision: 8,
        },
      });
  });

  it('abandons an acknowledgement a withdrawal ended, and restarts it with the reopening', () => {
    const arabic = commands('c-2', 'كيفيت كالا');
    const events = history('c-2', [step(0, arabic.receive), step(2 * DAY, arabic.close('withdrawn')), step(3 * DAY, arabic.reopen)]);
    const row: ComplaintKpiRow = {
      tenantId: 'default',
      complaintId: 'c-2',
      receivedAt: after(0),
      channel: 'phone',
      category: 'كيفيت كالا',
      // Arabic ي/ك count with the Persian spelling.
      categoryKey: 'کیفیت کالا',
      status: 'received',
      escalationLevel: 'local',
      closedAt: after(2 * DAY),
      outcome: 'withdrawn',
      closings: 1,
      reopenCount: 1,
      satisfactionScores: [],
      // Closing revealed the overdue acknowledgement (due after 1 day, provisional `medium`).
      breachesRecorded: 1,
      milestones: [
        { milestone: 'acknowledge', deadline: after(DAY), abandonedAt: after(2 * DAY) },
        { milestone: 'resolve', deadline: after(7 * DAY), metAt: after(2 * DAY) },
        { milestone: 'acknowledge', deadline: after(4 * DAY) },
        { milestone: 'resolve', deadline: after(10 * DAY) },
      ],
      lastRevision: 3,
    };
    projectionSpec(complaintKpisProjection).given(events).thenDocuments({ 'default:c-2': row });
  });

  it('collects one satisfaction score per closing', () => {
    const c3 = commands('c-3');
    const cycle = [step(DAY, c3.respond), step(DAY + 1, c3.decide), step(DAY + 2, c3.close('resolved'))];
    const events = history('c-3', [
      step(0, c3.receive),
      step(30, c3.acknowledge),
      step(40, c3.assess('low')),
      ...cycle,
      step(DAY + 3, c3.satisfaction(2)),
      step(2 * DAY, c3.reopen),
      ...cycle.map((s) => ({ ...s, minutes: s.minutes + 2 * DAY })),
      step(3 * DAY + 3, c3.satisfaction(5)),
    ]);
    projectionSpec(complaintKpisProjection)
      .given(events)
      .thenDocument('default:c-3', {
        tenantId: 'default',
        complaintId: 'c-3',
        receivedAt: after(0),
        channel: 'phone',
        category: 'کیفیت کالا',
        categoryKey: 'کیفیت کالا',
        status: 'closed',
        severity: 'low',
        escalationLevel: 'local',
        acknowledgedAt: after(30),
        closedAt: after(3 * DAY + 2),
        outcome: 'resolved',
        closings: 2,
        reopenCount: 1,
        satisfactionScores: [2, 5],
        breachesRecorded: 0,
        milestones: [
          { milestone: 'acknowledge', deadline: after(2 * DAY), metAt: after(30) },
          { milestone: 'resolve', deadline: after(14 * DAY), metAt: after(DAY + 2) },
          { milestone: 'resolve', deadline: after(16 * DAY), metAt: after(3 * DAY + 2) },
        ],
        lastRevision: 11,
      });
  });
});
