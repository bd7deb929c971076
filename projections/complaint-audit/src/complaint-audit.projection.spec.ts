import { projectionSpec } from '@crm/shared/testing';
import { complaintAuditProjection, type AuditStep, type ComplaintAuditDoc } from './complaint-audit.projection';
import { after, commands, DAY, history, HOUR, step } from './complaint-history.fixture';

const c = commands('c-1');
const PROVISIONAL = { acknowledgeBy: after(DAY), resolveBy: after(7 * DAY) };
const HIGH = { acknowledgeBy: after(4 * HOUR), resolveBy: after(3 * DAY) };
// Reopening restarts the resolution clock (3 days for `high`); the acknowledgement stays met.
const REOPENED = { acknowledgeBy: after(4 * HOUR), resolveBy: after(5 * DAY) };
const agent = { id: 'agent-1', roles: ['service'] };
const supervisor = { id: 'supervisor-7', roles: ['service'] };

const lifecycle = history('c-1', [
  step(0, c.receive),
  step(10, c.assess('high'), 'supervisor-7'),
  step(5 * HOUR, c.acknowledge),
  step(6 * HOUR, c.escalate('head_office'), 'supervisor-7'),
  step(DAY, c.respond),
  step(DAY + HOUR, c.decide),
  step(DAY + 2 * HOUR, c.close('resolved')),
  step(2 * DAY, c.reopen),
]);

const chain = (revision: number) => ({ hash: `h${revision}`, prevHash: revision === 0 ? '' : `h${revision - 1}` });
const local = { escalationLevel: 'local' as const, severity: 'high' as const, deadlines: HIGH };
const headOffice = { escalationLevel: 'head_office' as const, severity: 'high' as const, deadlines: HIGH };
const breach = { milestone: 'acknowledge' as const, deadline: after(4 * HOUR), detectedAt: after(5 * HOUR), metAt: after(5 * HOUR) };

const steps: AuditStep[] = [
  {
    revision: 0,
    eventId: 'c-1-0',
    occurredAt: after(0),
    actor: agent,
    type: 'ComplaintReceived',
    label: 'Received by phone',
    labelFa: 'دریافت شکایت',
    from: null,
    to: 'received',
    escalationLevel: 'local',
    deadlines: PROVISIONAL,
    // The complainant's phone stays in the stream: the trail names who, not how to reach them.
    details: {
      channel: 'phone',
      category: 'کیفیت کالا',
      complainant: { name: 'رضا کریمی' },
      description: 'کالای تحویلی معیوب بود',
      provisionalSeverity: 'medium',
    },
    ...chain(0),
  },
  {
    revision: 1,
    eventId: 'c-1-1',
    occurredAt: after(10),
    actor: supervisor,
    type: 'ComplaintAssessed',
    label: 'Assessed as high',
    labelFa: 'ارزیابی شکایت',
    from: 'received',
    to: 'received',
    ...local,
    details: { severity: 'high' },
    ...chain(1),
  },
  {
    revision: 2,
    eventId: 'c-1-2',
    occurredAt: after(5 * HOUR),
    actor: agent,
    type: 'ComplaintAcknowledged',
    label: 'Receipt acknowledged',
    labelFa: 'اعلام وصول شکایت',
    from: 'received',
    to: 'acknowledged',
    ...local,
    details: {},
    ...chain(2),
  },
  {
    revision: 3,
    eventId: 'c-1-3',
    occurredAt: after(5 * HOUR),
    actor: agent,
    type: 'ComplaintSlaBreached',
    label: 'SLA breached: acknowledge met late',
    labelFa: 'نقض مهلت رسیدگی',
    from: 'acknowledged',
    to: 'acknowledged',
    ...local,
    breach,
    details: {},
    ...chain(3),
  },
  {
    revision: 4,
    eventId: 'c-1-4',
    occurredAt: after(6 * HOUR),
    actor: supervisor,
    type: 'ComplaintEscalated',
    label: 'Escalated from local to head office',
    labelFa: 'ارجاع به سطح بالاتر',
    from: 'acknowledged',
    to: 'acknowledged',
    ...headOffice,
    details: { fromLevel: 'local', toLevel: 'head_office', reason: 'نیاز به تأیید دفتر مرکزی' },
    ...chain(4),
  },
  {
    revision: 5,
    eventId: 'c-1-5',
    occurredAt: after(DAY),
    actor: agent,
    type: 'ComplaintResponded',
    label: 'Response recorded',
    labelFa: 'ثبت پاسخ',
    from: 'acknowledged',
    to: 'responded',
    ...headOffice,
    details: { response: 'کالا تعویض می‌شود' },
    ...chain(5),
  },
  {
    revision: 6,
    eventId: 'c-1-6',
    occurredAt: after(DAY + HOUR),
    actor: agent,
    type: 'ComplaintDecisionCommunicated',
    label: 'Decision communicated by sms',
    labelFa: 'ابلاغ تصمیم به شکایت‌کننده',
    from: 'responded',
    to: 'decision_communicated',
    ...headOffice,
    details: { decision: 'تعویض کالا', channel: 'sms' },
    ...chain(6),
  },
  {
    revision: 7,
    eventId: 'c-1-7',
    occurredAt: after(DAY + 2 * HOUR),
    actor: agent,
    type: 'ComplaintClosed',
    label: 'Closed as resolved',
    labelFa: 'بستن شکایت',
    from: 'decision_communicated',
    to: 'closed',
    ...headOffice,
    details: { outcome: 'resolved' },
    ...chain(7),
  },
  {
    revision: 8,
    eventId: 'c-1-8',
    occurredAt: after(2 * DAY),
    actor: agent,
    type: 'ComplaintReopened',
    label: 'Reopened (1×)',
    labelFa: 'بازگشایی شکایت',
    from: 'closed',
    to: 'investigating',
    ...headOffice,
    deadlines: REOPENED,
    details: { reason: 'مشکل ادامه دارد', reopenCount: 1, previousDeadlines: HIGH },
    ...chain(8),
  },
];

const trail: ComplaintAuditDoc = {
  tenantId: 'default',
  complaintId: 'c-1',
  streamId: 'complaint-c-1',
  receivedAt: after(0),
  channel: 'phone',
  category: 'کیفیت کالا',
  status: 'investigating',
  escalationLevel: 'head_office',
  provisionalSeverity: 'medium',
  severity: 'high',
  deadlines: REOPENED,
  reopenCount: 1,
  outcome: 'resolved',
  breaches: [{ ...breach, revision: 3 }],
  lastRevision: 8,
  steps,
};

const receivedOnly = (tenantId: string): ComplaintAuditDoc => ({
  ...trail,
  tenantId,
  status: 'received',
  escalationLevel: 'local',
  deadlines: PROVISIONAL,
  reopenCount: 0,
  breaches: [],
  lastRevision: 0,
  steps: steps.slice(0, 1),
  severity: undefined,
  outcome: undefined,
});

describe('complaint-audit projection', () => {
  it('records every step in stream order: who, when, from → to, level, deadlines in force, breaches and hashes', () => {
    projectionSpec(complaintAuditProjection).given(lifecycle).thenDocuments({ 'default:c-1': trail });
  });

  it("keys a trail by the event's tenant", () => {
    const acme = lifecycle.slice(0, 1).map((e) => ({ ...e, metadata: { ...e.metadata, tenantId: 'acme' } }));
    projectionSpec(complaintAuditProjection)
      .given(acme)
      .thenDocuments({ 'acme:c-1': receivedOnly('acme') });
  });

  it('places no step it cannot attach to a receipt', () => {
    projectionSpec(complaintAuditProjection).given(lifecycle.slice(1)).thenDocuments({});
  });

  it('keeps the step fields in one order, so the stored JSON of a trail stays byte for byte the same', () => {
    let doc: ComplaintAuditDoc | null = null;
    type Recorded = Parameters<typeof complaintAuditProjection.evolve>[1];
    for (const [revision, event] of lifecycle.entries()) {
      const recorded = { ...event, revision, position: String(revision + 1) } as unknown as Recorded;
      doc = complaintAuditProjection.evolve(doc, recorded, 'default:c-1');
    }
    const order = ['revision', 'eventId', 'occurredAt', 'actor', 'type', 'label', 'labelFa', 'from', 'to', 'escalationLevel'];
    const tail = ['severity', 'deadlines', 'breach', 'details', 'hash', 'prevHash'];
    for (const recorded of doc?.steps ?? []) {
      expect(Object.keys(recorded)).toEqual([...order, ...tail.filter((key) => key in recorded)]);
    }
    expect(doc?.steps).toHaveLength(9);
  });
});
