import { verifyChain, type RecordedEvent } from '@crm/shared/event-sourcing';
import type { AuditStep } from './complaint-audit.projection';

export type IntegrityFailure = 'revision_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'read_model_mismatch';

export type AuditIntegrity =
  | { readonly ok: true; readonly checked: number; readonly lastHash: string }
  | { readonly ok: false; readonly checked: number; readonly brokenAtRevision: number; readonly reason: IntegrityFailure };

type StepLink = Pick<AuditStep, 'revision' | 'hash' | 'prevHash'> & { readonly type: string };

/**
 * Two questions an auditor asks of the trail: is the stream itself unbroken (its hash
 * chain, re-verified from the event store at query time), and does the trail shown
 * still say what the stream says (each step's recorded hashes match the event at its
 * revision, with no step missing). Events the read model has not reached yet are
 * verified in the chain but not required in the trail.
 */
export function auditIntegrity(steps: readonly StepLink[], events: readonly RecordedEvent[]): AuditIntegrity {
  const chain = verifyChain(events);
  if (!chain.ok) return { ok: false, checked: chain.checked, brokenAtRevision: chain.brokenAtRevision, reason: chain.reason };
  for (const [index, step] of steps.entries()) {
    const event = events[index];
    const agrees =
      event !== undefined &&
      step.revision === index &&
      event.revision === index &&
      event.type === step.type &&
      event.metadata.hash === step.hash &&
      event.metadata.prevHash === step.prevHash;
    if (!agrees) return { ok: false, checked: chain.checked, brokenAtRevision: index, reason: 'read_model_mismatch' };
  }
  return { ok: true, checked: chain.checked, lastHash: chain.lastHash };
}
