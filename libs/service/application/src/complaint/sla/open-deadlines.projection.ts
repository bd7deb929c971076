import type { RecordedEvent } from '@crm/shared/event-sourcing';
import {
  instantOf,
  isBreached,
  type ComplaintEvent,
  type MilestoneDeadline,
  type SlaDeadlines,
  type SlaMilestone,
} from '@crm/service/domain';

/**
 * What the deadline watcher needs to know about one complaint: its deadlines, the
 * milestones met, the breaches already recorded, and whether it is closed. Keyed by
 * tenant and stream, because stream identity is (tenant, streamId).
 */
export interface OpenDeadlines {
  readonly tenantId: string;
  readonly streamId: string;
  readonly complaintId: string;
  readonly deadlines: SlaDeadlines;
  readonly acknowledgedAt?: string;
  /** Present while closed; a reopening removes it. */
  readonly closedAt?: string;
  /** Breaches that stand in the current handling cycle (the domain's rule: one per milestone and cycle). */
  readonly breaches: readonly { readonly milestone: SlaMilestone; readonly deadline: string }[];
  /** Revision of the last event folded in: a redelivered event changes nothing (STYLE.md 8). */
  readonly revision: number;
  /** When the earliest pending milestone falls due; absent when none can breach. An index for durable stores. */
  readonly nextDueAt?: string;
}

export function openDeadlinesKey(tenantId: string, streamId: string): string {
  return `${tenantId}/${streamId}`;
}

/** The domain's `milestonesOf`, over this document instead of the aggregate state. */
export function milestonesOfDocument(doc: OpenDeadlines): MilestoneDeadline[] {
  // A breach stands for the current cycle when recorded against this deadline or a later one (a deadline moved earlier
  // keeps its breach; an extension withdraws it). A breach of an earlier cycle was against a deadline before the
  // reopening, so before every deadline of the new cycle: documents written before reopenings pruned them still read right.
  const recorded = (milestone: SlaMilestone, deadline: string) =>
    doc.breaches.some(
      (breach) => breach.milestone === milestone && instantOf(breach.deadline, 'deadline') >= instantOf(deadline, 'deadline'),
    );
  return [
    {
      milestone: 'acknowledge',
      deadline: doc.deadlines.acknowledgeBy,
      ...(doc.acknowledgedAt === undefined ? {} : { metAt: doc.acknowledgedAt }),
      breachRecorded: recorded('acknowledge', doc.deadlines.acknowledgeBy),
    },
    {
      milestone: 'resolve',
      deadline: doc.deadlines.resolveBy,
      ...(doc.closedAt === undefined ? {} : { metAt: doc.closedAt }),
      breachRecorded: recorded('resolve', doc.deadlines.resolveBy),
    },
  ];
}

/**
 * A closed complaint has nothing left to watch: closing records any breach it reveals
 * in the same decision, and the decider ignores a breach request on a closed complaint.
 */
function withNextDue(doc: Omit<OpenDeadlines, 'nextDueAt'>): OpenDeadlines {
  if (doc.closedAt !== undefined) return doc;
  const pending = milestonesOfDocument(doc).filter(
    (milestone) => !milestone.breachRecorded && (milestone.metAt === undefined || isBreached(milestone, milestone.metAt)),
  );
  const next = pending.map((m) => m.deadline).sort((a, b) => instantOf(a, 'deadline') - instantOf(b, 'deadline'))[0];
  return next === undefined ? doc : { ...doc, nextDueAt: next };
}

/** Pure fold of one recorded complaint event into the watcher's document. */
export function evolveOpenDeadlines(doc: OpenDeadlines | undefined, recorded: RecordedEvent): OpenDeadlines | undefined {
  if (doc !== undefined && recorded.revision <= doc.revision) return doc;
  const event = { type: recorded.type, data: recorded.data } as ComplaintEvent;
  if (event.type === 'ComplaintReceived') {
    const { complaintId, deadlines } = event.data;
    return withNextDue({
      tenantId: recorded.metadata.tenantId,
      streamId: recorded.streamId,
      complaintId,
      deadlines,
      breaches: [],
      revision: 0,
    });
  }
  // Without its receipt there is no complaint to watch (the decider would refuse too).
  if (doc === undefined) return undefined;
  // Every event after receipt carries the deadlines in force, so re-assessments and reopenings need no special case.
  const { nextDueAt: _previous, ...rest } = doc;
  const next = { ...rest, deadlines: event.data.deadlines, revision: recorded.revision };
  switch (event.type) {
    case 'ComplaintAcknowledged':
      return withNextDue({ ...next, acknowledgedAt: event.data.acknowledgedAt });
    case 'ComplaintClosed':
      return withNextDue({ ...next, closedAt: event.data.closedAt });
    case 'ComplaintReopened': {
      const { closedAt: _met, ...reopened } = next;
      // The resolution clock restarts, and so does an acknowledgement never given.
      const standing = next.breaches.filter((b) => b.milestone === 'acknowledge' && next.acknowledgedAt !== undefined);
      return withNextDue({ ...reopened, breaches: standing });
    }
    case 'ComplaintSlaBreached':
      return withNextDue({ ...next, breaches: [...next.breaches, { milestone: event.data.milestone, deadline: event.data.deadline }] });
    case 'ComplaintSlaBreachWithdrawn':
      return withNextDue({ ...next, breaches: next.breaches.filter((b) => b.milestone !== event.data.milestone) });
    case 'ComplaintAssessed':
    case 'ComplaintAssigned':
    case 'ComplaintInvestigationNoteAdded':
    case 'ComplaintResponded':
    case 'ComplaintDecisionCommunicated':
    case 'ComplaintEscalated':
    case 'ComplaintHandlingSatisfactionRecorded':
      return withNextDue(next);
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
