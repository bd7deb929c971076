import { DomainError } from '@crm/shared/event-sourcing';
import { FIRST_YEAR, isAheadOf, LAST_YEAR, oneSpelling } from '@crm/shared/kernel';
import { CAMPAIGN_REFUSALS } from './campaign.refusals';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const withinYears = (year: number): boolean => year >= FIRST_YEAR && year <= LAST_YEAR;

/**
 * Whether a date or instant the edge let through (its pattern: Z, ±hh:mm or ±hhmm) reads as one, in the years every
 * date is kept in, as written and once its offset is applied (2199-12-31T23:00-23:59 is in 2200).
 */
function readable(value: string): boolean {
  const time = Date.parse(value);
  return !Number.isNaN(time) && withinYears(Number(value.slice(0, 4))) && withinYears(new Date(time).getUTCFullYear());
}

/**
 * A date or instant as kept: as written (a campaign's dates are the planner's calendar days, in the planner's offset),
 * in one spelling (the kernel's `oneSpelling`: T and Z in capitals, the offset as ±hh:mm).
 */
export const writtenTime = oneSpelling;

/**
 * Start and end may each be a calendar date or an instant. A calendar date lasts the
 * whole day in the planner's own offset, so when either is one the calendar dates
 * written are compared; two instants are compared as instants. A one-day campaign
 * (same start and end date) is fine.
 */
export function assertCampaignPeriod(startDate: string, endDate: string): void {
  const unreadable = (['startDate', 'endDate'] as const).filter((field) => !readable(field === 'startDate' ? startDate : endDate));
  if (unreadable.length > 0) {
    throw new DomainError(
      CAMPAIGN_REFUSALS.DATE_INVALID,
      `Dates are calendar dates (2026-03-21) or ISO 8601 instants, in the years ${FIRST_YEAR}–${LAST_YEAR}`,
      {
        fields: unreadable,
      },
    );
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
  if (!readable(at)) {
    throw new DomainError(CAMPAIGN_REFUSALS.DATE_INVALID, `${field} is not an ISO 8601 instant in the years ${FIRST_YEAR}–${LAST_YEAR}`, {
      fields: [field],
    });
  }
  if (isAheadOf(at, recordedAt)) {
    throw new DomainError(CAMPAIGN_REFUSALS.TIME_IN_FUTURE, `${field} ${at} is after the moment it is recorded (${recordedAt})`, {
      fields: [field],
      recordedAt,
    });
  }
}
