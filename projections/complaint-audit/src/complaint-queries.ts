import type { EventStore } from '@crm/shared/event-sourcing';
import type { FieldCondition, ReadStore } from '@crm/shared/read-model';
import { auditIntegrity, type AuditIntegrity } from './audit-integrity';
import { complaintDocumentId, type ComplaintAuditDoc } from './complaint-audit.projection';
import { complaintKpis, type ComplaintKpis } from './complaint-kpis';
import type { ComplaintKpiRow } from './complaint-kpis.projection';

export type AuditTrail = Omit<ComplaintAuditDoc, 'tenantId'> & { readonly integrity: AuditIntegrity };

/**
 * The trail from the read model, and its integrity from the event store at the
 * moment of asking: a trail is only as good as the record it claims to show.
 * Undefined for a complaint the read model does not know.
 */
export async function readAuditTrail(
  store: Pick<ReadStore, 'get'>,
  collection: string,
  events: Pick<EventStore, 'readStream'>,
  tenantId: string,
  complaintId: string,
): Promise<AuditTrail | undefined> {
  const record = await store.get<ComplaintAuditDoc>(collection, complaintDocumentId(tenantId, complaintId));
  if (record === undefined) return undefined;
  const { tenantId: _tenant, ...doc } = record.doc;
  const stream = await events.readStream(doc.streamId, { tenantId });
  return { ...doc, integrity: auditIntegrity(doc.steps, stream) };
}

export interface KpiQuery {
  readonly tenantId: string;
  readonly receivedAt?: FieldCondition;
  readonly asOf: string;
}

// Medians need every value, so rows are read in pages rather than grouped in the store.
const PAGE = 1000;

/**
 * Every row of the tenant and period, oldest first, paged by key (receivedAt, then the
 * document id the store breaks ties on) rather than by OFFSET, so each page costs the same.
 */
export async function readComplaintKpis(store: Pick<ReadStore, 'find'>, collection: string, query: KpiQuery): Promise<ComplaintKpis> {
  const rows: ComplaintKpiRow[] = [];
  let lower: string | undefined;
  // Rows already read at `lower`: the next page starts at `lower` again and skips them (they sort first among equals).
  let seenAtLower = 0;
  for (;;) {
    const range = query.receivedAt ?? {};
    const gte = lower !== undefined && (range.gte === undefined || String(range.gte) < lower) ? lower : range.gte;
    const receivedAt = { ...range, ...(gte === undefined ? {} : { gte }) };
    const where = { tenantId: query.tenantId, ...(Object.keys(receivedAt).length > 0 ? { receivedAt } : {}) };
    const page = await store.find<ComplaintKpiRow>(collection, { where, orderBy: [{ field: 'receivedAt' }], limit: PAGE + seenAtLower });
    const fresh = page.slice(seenAtLower).map((record) => record.doc);
    rows.push(...fresh);
    if (page.length < PAGE + seenAtLower) break;
    const last = (fresh.at(-1) as ComplaintKpiRow).receivedAt;
    seenAtLower = last === lower ? seenAtLower + fresh.length : fresh.filter((row) => row.receivedAt === last).length;
    lower = last;
  }
  return complaintKpis(rows, query.asOf);
}
