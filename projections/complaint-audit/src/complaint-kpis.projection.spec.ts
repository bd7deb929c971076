import { projectionSpec } from '@crm/shared/testing';
import { complaintKpisProjection } from './complaint-kpis.projection';
import { after, commands, DAY, history, HOUR, step } from './complaint-history.fixture';

describe('complaint-kpis projection', () => {
  it('keeps each step at the time it records, in stream order, breaches and withdrawals included', () => {
    const c = commands('c-1', 'كيفيت كالا');
    const events = history('c-1', [
      step(0, c.receive),
      step(DAY + 10, c.breach('acknowledge', after(DAY))),
      step(DAY + HOUR, c.assess('low')),
      step(30 * HOUR, c.acknowledge),
      step(2 * DAY, c.close('withdrawn')),
    ]);
    const provisional = { acknowledgeBy: after(DAY), resolveBy: after(7 * DAY) };
    const low = { acknowledgeBy: after(2 * DAY), resolveBy: after(14 * DAY) };
    projectionSpec(complaintKpisProjection)
      .given(events)
      .thenDocuments({
        'default:c-1': {
          tenantId: 'default',
          complaintId: 'c-1',
          receivedAt: after(0),
          channel: 'phone',
          category: 'كيفيت كالا',
          // Arabic ي/ك count with the Persian spelling.
          categoryKey: 'کیفیت کالا',
          ...provisional,
          steps: [
            { kind: 'status', at: after(DAY + 10), to: 'received', level: 'local', ...provisional },
            { kind: 'breached', at: after(DAY + 10), milestone: 'acknowledge' },
            { kind: 'status', at: after(DAY + HOUR), to: 'received', level: 'local', severity: 'low', ...low },
            { kind: 'status', at: after(DAY + HOUR), to: 'received', level: 'local', severity: 'low', ...low },
            { kind: 'breachWithdrawn', at: after(DAY + HOUR), milestone: 'acknowledge' },
            { kind: 'status', at: after(30 * HOUR), to: 'acknowledged', level: 'local', severity: 'low', ...low },
            { kind: 'acknowledged', at: after(30 * HOUR) },
            { kind: 'status', at: after(2 * DAY), to: 'closed', level: 'local', severity: 'low', ...low },
            { kind: 'closed', at: after(2 * DAY), outcome: 'withdrawn' },
          ],
          lastRevision: 5,
        },
      });
  });
});
