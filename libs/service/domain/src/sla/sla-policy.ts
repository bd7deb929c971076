import { DomainError } from '@crm/shared/event-sourcing';
import { addMinutes } from '../shared/time';
import { SLA_REFUSALS } from './sla.refusals';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SLA_MILESTONES = ['acknowledge', 'resolve'] as const;
export type SlaMilestone = (typeof SLA_MILESTONES)[number];

export interface SlaTarget {
  readonly acknowledgeWithinMinutes: number;
  readonly resolveWithinMinutes: number;
}

export type SlaPolicy = Readonly<Record<Severity, SlaTarget>>;

/** When each milestone falls due; ISO 8601 UTC so every reader compares them the same way. */
export interface SlaDeadlines {
  readonly acknowledgeBy: string;
  readonly resolveBy: string;
}

const HOUR = 60;
const DAY = 24 * HOUR;

/**
 * ISO 10002 asks for prompt acknowledgement and a resolution time proportionate to the
 * complaint's seriousness: a safety or legal risk is acknowledged within the hour, a
 * minor one within two days. Minutes are wall-clock (24/7): business hours and Iranian
 * public holidays are not modelled, so a tenant that works a 5½-day week should pass a
 * policy of its own.
 */
export const DEFAULT_SLA_POLICY: SlaPolicy = {
  critical: { acknowledgeWithinMinutes: 1 * HOUR, resolveWithinMinutes: 1 * DAY },
  high: { acknowledgeWithinMinutes: 4 * HOUR, resolveWithinMinutes: 3 * DAY },
  medium: { acknowledgeWithinMinutes: 1 * DAY, resolveWithinMinutes: 7 * DAY },
  low: { acknowledgeWithinMinutes: 2 * DAY, resolveWithinMinutes: 14 * DAY },
};

/**
 * A policy that arrives on a command is caller data: refuse one that would give
 * deadlines at or before receipt, fractional minutes, or a resolution due before
 * the acknowledgement.
 */
/**
 * The longest a milestone may be given: five years. Deadlines are kept as instants in the years every date is kept in;
 * a policy of 10^11 minutes was taken and gave a deadline in the year 192159, which the deadline watcher could not
 * read, and 10^300 minutes failed every new complaint with a 500 (an outside probe).
 */
export const MAX_SLA_MINUTES = 5 * 366 * 24 * 60;

export function assertValidPolicy(policy: SlaPolicy): void {
  const fields: string[] = [];
  const minutes = (value: number) => Number.isInteger(value) && value > 0 && value <= MAX_SLA_MINUTES;
  for (const severity of SEVERITIES) {
    const target = policy[severity];
    const ack = target.acknowledgeWithinMinutes;
    const resolve = target.resolveWithinMinutes;
    if (!minutes(ack)) fields.push(`slaPolicy.${severity}.acknowledgeWithinMinutes`);
    if (!minutes(resolve) || resolve < ack) fields.push(`slaPolicy.${severity}.resolveWithinMinutes`);
  }
  if (fields.length > 0) throw new DomainError(SLA_REFUSALS.INVALID_POLICY, `Invalid SLA policy: ${fields.join(', ')}`, { fields });
}

export function deadlinesFor(policy: SlaPolicy, severity: Severity, receivedAt: string): SlaDeadlines {
  const target = policy[severity];
  return {
    acknowledgeBy: addMinutes(receivedAt, target.acknowledgeWithinMinutes, 'receivedAt'),
    resolveBy: addMinutes(receivedAt, target.resolveWithinMinutes, 'receivedAt'),
  };
}

/** A milestone whose clock restarts (a reopened complaint) counts from `from`, not from receipt. */
export function deadlineFor(policy: SlaPolicy, severity: Severity, milestone: SlaMilestone, from: string): string {
  const target = policy[severity];
  const minutes = milestone === 'acknowledge' ? target.acknowledgeWithinMinutes : target.resolveWithinMinutes;
  return addMinutes(from, minutes, 'from');
}
