import type { ComplaintEvent } from '@crm/service/domain';
import { EXCERPT_LENGTH, excerpt, stepText } from './audit-step-text';
import { after, commands, DAY, history, step } from './complaint-history.fixture';

const c = commands('c-3');
const texts = (events: readonly ComplaintEvent[]) => events.map((event) => [event.type, stepText(event).label, stepText(event).details]);

describe('audit step text', () => {
  it('says what changed: re-assessment, reassignment, withdrawal, satisfaction', () => {
    const events = history('c-3', [
      step(0, c.receive),
      step(5, c.acknowledge),
      step(10, c.assess('medium')),
      step(20, c.assess('critical')),
      step(30, (at) => ({ type: 'AssignComplaint', data: { assignee: { teamId: 'team-tehran' }, at } })),
      step(40, (at) => ({ type: 'AssignComplaint', data: { assignee: { userId: 'u-9' }, at } })),
      step(50, c.close('withdrawn')),
      step(60, c.satisfaction(2)),
    ]);
    expect(texts(events).slice(2)).toEqual([
      ['ComplaintAssessed', 'Assessed as medium', { severity: 'medium' }],
      ['ComplaintAssessed', 'Re-assessed from medium to critical', { severity: 'critical', previousSeverity: 'medium' }],
      ['ComplaintAssigned', 'Assigned to team team-tehran', { assignee: { teamId: 'team-tehran' } }],
      ['ComplaintAssigned', 'Reassigned to user u-9', { assignee: { userId: 'u-9' }, previousAssignee: { teamId: 'team-tehran' } }],
      ['ComplaintClosed', 'Closed as withdrawn', { outcome: 'withdrawn' }],
      ['ComplaintHandlingSatisfactionRecorded', 'Satisfaction with handling 2/5', { score: 2, outcome: 'withdrawn' }],
    ]);
  });

  it("shows a step recorded without its text (the complaint's personal data erased) without it", () => {
    const erased = { personalDataErased: true } as const;
    const events = history('c-3', [
      step(0, c.receive),
      step(5, c.acknowledge),
      step(10, c.assess('high')),
      step(20, (at) => ({ type: 'RespondToComplaint', data: { at, ...erased } })),
      step(30, (at) => ({ type: 'EscalateComplaint', data: { toLevel: 'head_office', at, ...erased } })),
      step(40, (at) => ({ type: 'CommunicateDecision', data: { channel: 'phone', at, ...erased } })),
      step(50, c.close('resolved')),
      step(60, (at) => ({ type: 'ReopenComplaint', data: { at, ...erased } })),
    ]);
    expect(
      texts(events)
        .slice(3)
        .map(([type, , details]) => [type, details]),
    ).toEqual([
      ['ComplaintResponded', {}],
      ['ComplaintEscalated', { fromLevel: 'local', toLevel: 'head_office' }],
      ['ComplaintDecisionCommunicated', { channel: 'phone' }],
      ['ComplaintClosed', { outcome: 'resolved' }],
      ['ComplaintReopened', expect.not.objectContaining({ reason: expect.anything() })],
    ]);
  });

  it('tells an overdue milestone from one met late', () => {
    const events = history('c-3', [step(0, c.receive), step(2 * DAY, c.breach('acknowledge', after(DAY)))]);
    expect(texts(events)[1]).toEqual(['ComplaintSlaBreached', 'SLA breached: acknowledge overdue', {}]);
  });

  it('names a complainant on file by id and never copies contact details', () => {
    const [received] = history('c-3', [
      step(0, (at) => ({
        type: 'ReceiveComplaint',
        data: { complaintId: 'c-3', complainant: { contactId: 'p-1' }, channel: 'web', category: 'c', description: 'd', receivedAt: at },
      })),
    ]);
    expect(stepText(received as ComplaintEvent)).toMatchObject({
      label: 'Received by web',
      details: { complainant: { contactId: 'p-1' } },
    });
  });

  it('excerpts free text by characters, so Persian text is never cut mid-character', () => {
    expect(excerpt('کوتاه')).toBe('کوتاه');
    const long = '😀'.repeat(EXCERPT_LENGTH + 1);
    expect(Array.from(excerpt(long))).toHaveLength(EXCERPT_LENGTH + 1);
    expect(excerpt(long).endsWith('😀…')).toBe(true);
    const note = history('c-3', [
      step(0, c.receive),
      step(1, c.acknowledge),
      step(2, (at) => ({ type: 'AddInvestigationNote', data: { note: 'ب'.repeat(500), at } })),
    ])[2];
    expect(stepText(note as ComplaintEvent).details).toEqual({ note: `${'ب'.repeat(EXCERPT_LENGTH)}…` });
  });
});
