import type { Command } from '@crm/shared/event-sourcing';
import type { Party, RelatedTo, ServiceChannel } from '../shared/party';
import type { Severity, SlaMilestone, SlaPolicy } from '../sla/sla-policy';
import type { Assignee, CloseOutcome, EscalationLevel, Urgency } from './complaint.types';

/**
 * Commands that compute deadlines (receive, assess, reopen) accept an `slaPolicy`
 * (e.g. the tenant's); without one the decider's configured policy applies. Events
 * record the deadlines themselves, so replay never needs the policy again.
 */
export type ReceiveComplaint = Command<
  'ReceiveComplaint',
  {
    complaintId: string;
    complainant: Party;
    channel: ServiceChannel;
    category: string;
    description: string;
    desiredRemedy?: string;
    relatedTo?: RelatedTo;
    receivedAt: string;
    slaPolicy?: SlaPolicy;
  }
>;

export type AcknowledgeComplaint = Command<'AcknowledgeComplaint', { at: string; message?: string }>;

export type AssessComplaint = Command<
  'AssessComplaint',
  { severity: Severity; urgency?: Urgency; rationale?: string; at: string; slaPolicy?: SlaPolicy }
>;

export type AssignComplaint = Command<'AssignComplaint', { assignee: Assignee; at: string }>;

export type AddInvestigationNote = Command<'AddInvestigationNote', { note: string; at: string }>;

/**
 * Set by the application when the complaint's personal data is erased (its data key destroyed: the key store says so,
 * not the stream). Then, and only then, the text a step requires (`response`, `decision`, an escalation's or
 * reopening's `reason`) may be left out: every such text is personal, sealed under that key, and nothing can be sealed
 * under a destroyed key, so without this the complaint could only be withdrawn. The step is recorded without the text;
 * the events never carry the flag and `evolve` never needs it, so replaying the history gives the same state.
 */
export interface PersonalDataErased {
  readonly personalDataErased?: boolean;
}

export type RespondToComplaint = Command<
  'RespondToComplaint',
  { response?: string; remedy?: string; actions?: readonly string[]; at: string } & PersonalDataErased
>;

export type CommunicateDecision = Command<
  'CommunicateDecision',
  { decision?: string; channel: ServiceChannel; at: string } & PersonalDataErased
>;

export type EscalateComplaint = Command<
  'EscalateComplaint',
  { toLevel: Exclude<EscalationLevel, 'local'>; reason?: string; at: string } & PersonalDataErased
>;

export type CloseComplaint = Command<'CloseComplaint', { outcome: CloseOutcome; note?: string; at: string }>;

export type ReopenComplaint = Command<'ReopenComplaint', { reason?: string; at: string; slaPolicy?: SlaPolicy } & PersonalDataErased>;

/**
 * `respondedAt`: when the complainant gave the score (a call noted later), from the closing to the recording (`at`,
 * beyond the clock skew never after); when absent, the score is dated when it is recorded.
 */
export type RecordHandlingSatisfaction = Command<
  'RecordHandlingSatisfaction',
  { score: number; comment?: string; respondedAt?: string; at: string }
>;

/** Sent by the SLA scheduler from `dueBreaches` over the read model. */
export type RecordSlaBreach = Command<'RecordSlaBreach', { milestone: SlaMilestone; deadline: string; detectedAt: string }>;

export type ComplaintCommand =
  | ReceiveComplaint
  | AcknowledgeComplaint
  | AssessComplaint
  | AssignComplaint
  | AddInvestigationNote
  | RespondToComplaint
  | CommunicateDecision
  | EscalateComplaint
  | CloseComplaint
  | ReopenComplaint
  | RecordHandlingSatisfaction
  | RecordSlaBreach;
