import type { BatchReport, ProjectionStatus, ServingSnapshot } from '@crm/projections/runtime';
import type { AppConfig } from '@crm/platform';
import type { PurgeRequest } from '@crm/privacy/application';
import type { Appended } from '@crm/shared/event-sourcing';

/** What the API thread hands the read-side worker when it starts it. */
export interface ReadSideWorkerData {
  readonly config: AppConfig;
  /** The lease owner to run as: the same for a worker restarted after one died, so it renews that one's leases. */
  readonly owner?: string;
}

/** API thread → read-side worker. */
export type ToReadSide =
  /** An append committed on the API's connection: read now rather than at the next poll. */
  | { readonly kind: 'wake'; readonly appended: Appended | undefined }
  | { readonly kind: 'status'; readonly id: number }
  /** An erasure's barrier: stop every lane after its batch in hand, forget the keys, purge, go on; answered by `purged`. */
  | { readonly kind: 'purge'; readonly id: number; readonly request: PurgeRequest }
  | { readonly kind: 'stop' };

/** Read-side worker → API thread. */
export type FromReadSide =
  | { readonly kind: 'started'; readonly snapshot: readonly ServingSnapshot[] }
  | { readonly kind: 'snapshot'; readonly snapshot: readonly ServingSnapshot[] }
  | { readonly kind: 'batches'; readonly reports: readonly BatchReport[] }
  | { readonly kind: 'status'; readonly id: number; readonly status?: readonly ProjectionStatus[]; readonly error?: string }
  | { readonly kind: 'log'; readonly level: 'log' | 'warn' | 'error'; readonly message: string }
  | { readonly kind: 'purged'; readonly id: number; readonly rewritten?: number; readonly error?: string }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'stopped' };
