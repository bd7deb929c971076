import { deciderSpec } from '@crm/shared/testing';
import type { ComplaintCommand } from './complaint.commands';
import { complaintDecider } from './complaint.decider';
import { after, CLOSED, DAY, RECEIVED } from './complaint.fixtures';

const spec = deciderSpec(complaintDecider);
const NOTE = 'مشتری فاکتور و عکس کالای معیوب را ارسال کرد';

describe('refusals shared by every step after receipt', () => {
  const steps: readonly ComplaintCommand[] = [
    { type: 'AcknowledgeComplaint', data: { at: after(-1) } },
    { type: 'AssessComplaint', data: { severity: 'low', at: after(-1) } },
    { type: 'AssignComplaint', data: { assignee: { userId: 'u-1' }, at: after(-1) } },
    { type: 'AddInvestigationNote', data: { note: NOTE, at: after(-1) } },
    { type: 'RespondToComplaint', data: { response: 'پاسخ', at: after(-1) } },
    { type: 'CommunicateDecision', data: { decision: 'تصمیم', channel: 'email', at: after(-1) } },
    { type: 'EscalateComplaint', data: { toLevel: 'legal', reason: 'دلیل', at: after(-1) } },
    { type: 'CloseComplaint', data: { outcome: 'withdrawn', at: after(-1) } },
  ];
  const afterClosing: readonly ComplaintCommand[] = [
    { type: 'ReopenComplaint', data: { reason: 'دلیل', at: after(-1) } },
    { type: 'RecordHandlingSatisfaction', data: { score: 4, at: after(-1) } },
  ];
  const byType = (commands: readonly ComplaintCommand[]) => commands.map((command) => [command.type, command] as const);

  it.each(
    byType([
      ...steps,
      ...afterClosing,
      { type: 'RecordSlaBreach', data: { milestone: 'acknowledge', deadline: after(DAY), detectedAt: after(DAY + 1) } },
    ]),
  )('%s needs a received complaint (COMPLAINT.NOT_FOUND)', (_type, command) => {
    spec.given([]).when(command).thenThrows('COMPLAINT.NOT_FOUND');
  });

  it.each(byType(steps.slice(2)))('%s is refused on a closed complaint (COMPLAINT.CLOSED)', (_type, command) => {
    spec.given(CLOSED).when(command).thenThrows('COMPLAINT.CLOSED');
  });

  it.each(byType(steps))('%s cannot be dated before receipt (COMPLAINT.TIME_BEFORE_RECEIPT)', (_type, command) => {
    spec
      .given(RECEIVED)
      .when(command)
      .thenThrows('COMPLAINT.TIME_BEFORE_RECEIPT', { fields: ['at'] });
  });

  it.each(byType(afterClosing))('%s cannot be dated before receipt either', (_type, command) => {
    spec
      .given(CLOSED)
      .when(command)
      .thenThrows('COMPLAINT.TIME_BEFORE_RECEIPT', { fields: ['at'] });
  });
});
