import { AppendedKinds, type Appended } from '@crm/shared/event-sourcing';

/** How long a wake-up waits at most for the worker to apply the one before (see WakeRelay). */
export const WAKE_HOLD_MS = 50;

/**
 * Tells the read-side worker what the API thread's commits appended. At once (the end of this turn of the
 * loop) when the worker has applied the last wake-up's span, else once it has, or after `holdMs` at most:
 * a lone command's projections start at once, while under a stream of commands each batch the worker
 * applies holds what came in while it applied the one before, not one commit. Commits told meanwhile are
 * merged (AppendedKinds: their spans joined when back to back).
 */
export class WakeRelay {
  private readonly kinds = new AppendedKinds();
  private pending = false;
  /** The end of the span of the last wake-up sent. */
  private applying: string | undefined;

  constructor(
    private readonly send: (appended: Appended | undefined) => void,
    /** Settles once every projection has applied `position`, or rejects after `timeoutMs` (ServingMirror.waitFor). */
    private readonly applied: (position: string, timeoutMs: number) => Promise<void>,
    private readonly holdMs: number = WAKE_HOLD_MS,
  ) {}

  told(appended: Appended | undefined): void {
    this.kinds.merge(appended);
    if (this.pending) return;
    this.pending = true;
    const flush = () => {
      this.pending = false;
      const merged = this.kinds.take();
      this.applying = merged?.span?.after;
      this.send(merged);
    };
    const applying = this.applying;
    if (applying === undefined) setImmediate(flush);
    else this.applied(applying, this.holdMs).then(flush, flush);
  }
}
