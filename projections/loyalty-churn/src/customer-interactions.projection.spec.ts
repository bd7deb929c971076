import type {
  CloseOutcome,
  ComplaintClosed,
  ComplaintReceived,
  ComplaintReopened,
  ComplaintStatus,
  FeedbackSubmitted,
  Party,
  SurveyResponseRecorded,
} from '@crm/service/domain';
import { projectionSpec } from '@crm/shared/testing';
import { customerInteractionsProjection } from './customer-interactions.projection';
import { sortablePosition } from './documents';

/** The sortable form of the position of the n-th event given (the lastPosition the fold stamps). */
const at = (n: number): string => sortablePosition(String(n));

const deadlines = { acknowledgeBy: '2025-03-02T00:00:00Z', resolveBy: '2025-03-20T00:00:00Z' };
const trail = (complaintId: string, from: ComplaintStatus, to: ComplaintStatus) => ({
  complaintId,
  from,
  to,
  escalationLevel: 'local' as const,
  deadlines,
});

const received = (complaintId: string, complainant: Party, receivedAt: string): ComplaintReceived => ({
  type: 'ComplaintReceived',
  data: {
    complaintId,
    complainant,
    channel: 'phone',
    category: 'تاخیر در تحویل',
    description: 'محموله دو هفته دیر رسید',
    receivedAt,
    status: 'received',
    escalationLevel: 'local',
    provisionalSeverity: 'medium',
    deadlines,
  },
});
const closed = (complaintId: string, outcome: CloseOutcome, closedAt: string): ComplaintClosed => ({
  type: 'ComplaintClosed',
  data: { ...trail(complaintId, 'decision_communicated', 'closed'), outcome, closedAt },
});
const reopened = (complaintId: string, reopenedAt: string): ComplaintReopened => ({
  type: 'ComplaintReopened',
  data: { ...trail(complaintId, 'closed', 'received'), reason: 'مشکل تکرار شد', reopenedAt, reopenCount: 1, previousDeadlines: deadlines },
});
const feedback = (feedbackId: string, from: Party, submittedAt: string): FeedbackSubmitted => ({
  type: 'FeedbackSubmitted',
  data: { feedbackId, from, kind: 'praise', text: 'برخورد کارشناس عالی بود', channel: 'web', submittedAt, status: 'submitted' },
});
const survey = (responseId: string, respondent: Party, surveyType: 'nps' | 'csat', score: number, respondedAt: string) =>
  ({
    type: 'SurveyResponseRecorded',
    data: { responseId, respondent, respondedAt, surveyType, answers: { score } },
  }) as SurveyResponseRecorded;

describe('loyalty-customer-interactions projection', () => {
  it('tracks when a complaint from an account was open, across closing and reopening', () => {
    projectionSpec(customerInteractionsProjection)
      .given([
        received('k1', { accountId: 'a1' }, '2025-03-01T08:00:00+03:30'),
        closed('k1', 'resolved', '2025-03-10T00:00:00Z'),
        reopened('k1', '2025-03-15T00:00:00Z'),
      ])
      .thenDocuments({
        'default:complaint:k1': {
          tenantId: 'default',
          kind: 'complaint',
          sourceId: 'k1',
          accountId: 'a1',
          at: '2025-03-01T04:30:00.000Z',
          openSpans: [{ from: '2025-03-01T04:30:00.000Z', to: '2025-03-10T00:00:00.000Z' }, { from: '2025-03-15T00:00:00.000Z' }],
          lastPosition: at(3), // the reopening
        },
      });
  });

  it('records feedback and survey scores from contacts and accounts, and nothing from parties not on file', () => {
    projectionSpec(customerInteractionsProjection)
      .given([
        received('k2', { name: 'ناشناس', phone: '+989121234567' }, '2025-03-01T00:00:00Z'),
        closed('k2', 'withdrawn', '2025-03-02T00:00:00Z'),
        feedback('f1', { contactId: 'c1' }, '2025-04-01T00:00:00Z'),
        survey('s1', { accountId: 'a1' }, 'nps', 4, '2025-04-02T00:00:00Z'),
        survey('s2', { name: 'سارا رحیمی' }, 'csat', 5, '2025-04-03T00:00:00Z'),
      ])
      .thenDocuments({
        'default:feedback:f1': {
          tenantId: 'default',
          kind: 'feedback',
          sourceId: 'f1',
          contactId: 'c1',
          at: '2025-04-01T00:00:00.000Z',
          lastPosition: at(3),
        },
        'default:survey:s1': {
          tenantId: 'default',
          kind: 'survey',
          sourceId: 's1',
          accountId: 'a1',
          at: '2025-04-02T00:00:00.000Z',
          surveyType: 'nps',
          score: 4,
          lastPosition: at(4),
        },
      });
  });
});
