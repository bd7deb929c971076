import type { SlaDeadlines } from '../sla/sla-policy';
import type { ReceiveComplaint } from './complaint.commands';
import type { ComplaintEvent, ComplaintReceived } from './complaint.events';
import type { ComplaintStatus, ComplaintTrail } from './complaint.types';
import { complaintDecider } from './complaint.decider';

/** Shared given-histories for the complaint specs; times are minutes after receipt. */
export const COMPLAINT_ID = '0b6f3c52-2f0e-4d55-9d8e-6a1f3b7c9e21';
export const RECEIVED_AT = '2025-03-01T06:30:00.000Z';
export const HOUR = 60;
export const DAY = 24 * HOUR;

export function after(minutes: number, seconds = 0): string {
  return new Date(Date.parse(RECEIVED_AT) + minutes * 60_000 + seconds * 1000).toISOString();
}

/** Until assessed, the decider's provisional severity (medium) sets the deadlines. */
export const PROVISIONAL: SlaDeadlines = { acknowledgeBy: after(DAY), resolveBy: after(7 * DAY) };
/** The policy's deadlines for a complaint rated high from receipt. */
export const HIGH_FROM_RECEIPT: SlaDeadlines = { acknowledgeBy: after(4 * HOUR), resolveBy: after(3 * DAY) };
/**
 * In force after the shared history's assessment as high, which comes after the
 * acknowledgement: a milestone already met keeps the deadline it was judged against.
 */
export const HIGH: SlaDeadlines = { acknowledgeBy: PROVISIONAL.acknowledgeBy, resolveBy: HIGH_FROM_RECEIPT.resolveBy };
export const CRITICAL: SlaDeadlines = { acknowledgeBy: after(HOUR), resolveBy: after(DAY) };

export const DESCRIPTION = 'کالای تحویلی معیوب بود و پشتیبانی پاسخ نداد';

export const receive: ReceiveComplaint = {
  type: 'ReceiveComplaint',
  data: {
    complaintId: COMPLAINT_ID,
    complainant: { name: 'رضا کریمی', phone: '۰۹۱۲ ۱۲۳ ۴۵۶۷', email: ' Reza.Karimi@Example.IR ' },
    channel: 'phone',
    category: 'کیفیت کالا',
    description: DESCRIPTION,
    desiredRemedy: 'تعویض کالا',
    relatedTo: { type: 'quote', id: 'q-1403-118' },
    receivedAt: RECEIVED_AT,
  },
};

export const received: ComplaintReceived = {
  type: 'ComplaintReceived',
  data: {
    complaintId: COMPLAINT_ID,
    complainant: { name: 'رضا کریمی', phone: '+989121234567', email: 'reza.karimi@example.ir' },
    channel: 'phone',
    category: 'کیفیت کالا',
    description: DESCRIPTION,
    desiredRemedy: 'تعویض کالا',
    relatedTo: { type: 'quote', id: 'q-1403-118' },
    receivedAt: RECEIVED_AT,
    status: 'received',
    escalationLevel: 'local',
    provisionalSeverity: 'medium',
    deadlines: PROVISIONAL,
  },
};

export function trailOf(from: ComplaintStatus, to: ComplaintStatus, more: Partial<ComplaintTrail> = {}): ComplaintTrail {
  return { complaintId: COMPLAINT_ID, from, to, escalationLevel: 'local', deadlines: HIGH, severity: 'high', ...more };
}

/** Before assessment: provisional deadlines and no severity. */
export function unassessed(from: ComplaintStatus, to: ComplaintStatus): ComplaintTrail {
  return { complaintId: COMPLAINT_ID, from, to, escalationLevel: 'local', deadlines: PROVISIONAL };
}

export const acknowledged: ComplaintEvent = {
  type: 'ComplaintAcknowledged',
  data: { ...unassessed('received', 'acknowledged'), acknowledgedAt: after(30) },
};

export const assessedHigh: ComplaintEvent = {
  type: 'ComplaintAssessed',
  data: { ...trailOf('acknowledged', 'acknowledged'), severity: 'high', assessedAt: after(HOUR), previousDeadlines: PROVISIONAL },
};

export const noted: ComplaintEvent = {
  type: 'ComplaintInvestigationNoteAdded',
  data: { ...trailOf('acknowledged', 'investigating'), note: 'با واحد انبار تماس گرفته شد', notedAt: after(2 * HOUR) },
};

export const responded: ComplaintEvent = {
  type: 'ComplaintResponded',
  data: { ...trailOf('investigating', 'responded'), response: 'کالا تعویض می‌شود', respondedAt: after(DAY) },
};

export const communicated: ComplaintEvent = {
  type: 'ComplaintDecisionCommunicated',
  data: {
    ...trailOf('responded', 'decision_communicated'),
    decision: 'تعویض رایگان کالا',
    channel: 'sms',
    communicatedAt: after(DAY + HOUR),
  },
};

export const closedResolved: ComplaintEvent = {
  type: 'ComplaintClosed',
  data: { ...trailOf('decision_communicated', 'closed'), outcome: 'resolved', closedAt: after(2 * DAY) },
};

export const RECEIVED = [received];
export const ACKNOWLEDGED = [received, acknowledged];
export const ASSESSED = [...ACKNOWLEDGED, assessedHigh];
export const INVESTIGATING = [...ASSESSED, noted];
export const RESPONDED = [...INVESTIGATING, responded];
export const COMMUNICATED = [...RESPONDED, communicated];
export const CLOSED = [...COMMUNICATED, closedResolved];

/** The state a history folds to, as the decider's own evolve makes it. */
export function fold(history: readonly ComplaintEvent[]) {
  return history.reduce(complaintDecider.evolve, complaintDecider.initialState());
}
