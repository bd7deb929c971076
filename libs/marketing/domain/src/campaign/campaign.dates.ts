import { DomainError } from '@crm/shared/event-sourcing';
import { isAheadOf } from '@crm/shared/kernel';
import { CAMPAIGN_REFUSALS } from './campaign.refusals';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Start and end may each be a calendar date or an instant. A calendar date lasts the
 * whole day in the planner's own offset, so when either is one the calendar dates
 * written are compared; two instants are compared as instants. A one-day campaign
 * (same start and end date) is fine.
 */
export function assertCampaignPeriod(startDate: string, endDate: string): void {
  const unreadable = (['startDate', 'endDate'] as const).filter((field) =>
    Number.isNaN(Date.parse(field === 'startDate' ? startDate : endDate)),
  );
  if (unreadable.length > 0) {
    throw new DomainError(CAMPAIGN_REFUSALS.DATE_INVALID, 'Dates are calendar dates (2026-03-21) or ISO 8601 instants', {
      fields: unreadable,
    });
  }
  const endsBefore =
    DATE_ONLY.test(startDate) || DATE_ONLY.test(endDate)
      ? endDate.slice(0, 10) < startDate.slice(0, 10)
      : Date.parse(endDate) < Date.parse(startDate);
  if (endsBefore) {
    throw new DomainError(CAMPAIGN_REFUSALS.END_BEFORE_START, 'A campaign cannot end before it starts', {
      fields: ['endDate'],
      startDate,
      endDate,
    });
  }
}

/**
 * A response or a cost is a fact: it happened no later than it is recorded, beyond a small clock skew. The decider
 * applies it with the time the command is recorded; the edge (AlsoChecks) with the request's, so a 400 that names
 * other bad fields names this one too.
 */
export function assertRecordedFact(field: 'respondedAt' | 'incurredAt', at: string, recordedAt: string): void {
  const time = Date.parse(at);
  if (Number.isNaN(time)) {
    throw new DomainError(CAMPAIGN_REFUSALS.DATE_INVALID, `${field} is not an ISO 8601 instant`, { fields: [field] });
  }
  if (isAheadOf(at, recordedAt)) {
    throw new DomainError(CAMPAIGN_REFUSALS.TIME_IN_FUTURE, `${field} ${at} is after the moment it is recorded (${recordedAt})`, {
      fields: [field],
      recordedAt,
    });
  }
}
