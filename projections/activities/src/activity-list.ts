import type { ActivityType, RegardingType } from '@crm/activities/domain';
import { compact } from '@crm/shared/kernel';
import {
  cursorBinding,
  type CursorKey,
  type EveryFilterBound,
  type FindQuery,
  InvalidCursorError,
  openCursor,
  type ReadStore,
  pageOfLookAhead,
  sealCursor,
  tenantKey,
  timeRange,
} from '@crm/shared/read-model';
import { assigneeKeyOf, regardingKeyOf, type ActivityDoc, type OccurrenceRow } from './activity-list.projection';

export const ACTIVITY_LIST_STATUSES = ['open', 'closed'] as const;
export type ActivityListStatus = (typeof ACTIVITY_LIST_STATUSES)[number];
export const MAX_ACTIVITY_PAGE = 200;

export interface ActivityListFilters {
  /** One person's activities… */
  readonly userId?: string;
  /** …or one team's (not both). */
  readonly teamId?: string;
  readonly status?: ActivityListStatus;
  readonly type?: ActivityType;
  /** The record they are about: both or neither. */
  readonly regardingType?: RegardingType;
  readonly regardingId?: string;
  /**
   * Due (ActivityDoc.dueAt) from / to, inclusive (`timeRange`): a date is a business day (Asia/Tehran by default), `to`
   * its whole day; an instant is that instant. Open and due to now: what is overdue.
   */
  readonly dueFrom?: string;
  readonly dueTo?: string;
  readonly limit?: number;
  /** The `nextCursor` of the page before. */
  readonly cursor?: string;
}

/** An activity as the list and `GET /activities/{id}` answer it: every field present, null where it has none. */
export interface ActivityRow {
  readonly id: string;
  readonly type: ActivityType;
  readonly subject: string;
  readonly description: string | null;
  readonly regarding: ActivityDoc['regarding'];
  readonly assignee: ActivityDoc['assignee'];
  readonly status: ActivityListStatus;
  readonly dueAt: string;
  readonly durationMinutes: number | null;
  readonly recurrence: ActivityDoc['recurrence'] | null;
  readonly occurrences: readonly OccurrenceRowOut[];
  readonly scheduledAt: string;
  readonly updatedAt: string;
}

export interface OccurrenceRowOut {
  readonly index: number;
  readonly dueAt: string;
  readonly status: OccurrenceRow['status'];
  readonly completedAt: string | null;
  readonly outcome: string | null;
  readonly cancelledAt: string | null;
}

export interface ActivityPage {
  readonly items: ActivityRow[];
  readonly limit: number;
  /** Pass it as `cursor` for the activities after this page; null when this page is the last. */
  readonly nextCursor: string | null;
}

export function activityRow(doc: ActivityDoc): ActivityRow {
  return {
    id: doc.activityId,
    type: doc.type,
    subject: doc.subject,
    description: doc.description ?? null,
    regarding: doc.regarding,
    assignee: doc.assignee,
    status: doc.status,
    dueAt: doc.dueAt,
    durationMinutes: doc.durationMinutes ?? null,
    recurrence: doc.recurrence ?? null,
    occurrences: doc.occurrences.map((o, index) => ({
      index,
      dueAt: o.dueAt,
      status: o.status,
      completedAt: o.completedAt ?? null,
      outcome: o.outcome ?? null,
      cancelledAt: o.cancelledAt ?? null,
    })),
    scheduledAt: doc.scheduledAt,
    updatedAt: doc.updatedAt,
  };
}

/** Without a server key (tools, specs) a cursor is still tagged: edits and a change of filters are refused alike. */
const UNKEYED: CursorKey = Buffer.from('crm.activity-list.cursor');
const NOT_OURS = 'cursor must be the nextCursor of an earlier page, with the same filters';

/** The filters of the list, in a fixed order: what a cursor is bound to (with the tenant). */
const LIST_FILTERS = [
  'userId',
  'teamId',
  'status',
  'type',
  'regardingType',
  'regardingId',
  'dueFrom',
  'dueTo',
] as const satisfies readonly (keyof ActivityListFilters)[];
// A filter added to the list and not here would let a cursor cross lists: the compiler says so.
const EVERY_FILTER_BOUND: EveryFilterBound<ActivityListFilters, (typeof LIST_FILTERS)[number], 'limit' | 'cursor'> = true;
void EVERY_FILTER_BOUND;

const boundTo = (tenantId: string, filters: ActivityListFilters): string => cursorBinding(tenantId, filters, LIST_FILTERS);

interface CursorContent {
  /** The last row's due time and activity id. */
  readonly v: string;
  readonly id: string;
}

function decodeCursor(cursor: string, bound: string, key: CursorKey): CursorContent {
  const { v, id } = openCursor(cursor, bound, key, NOT_OURS);
  if (typeof v !== 'string' || v.length > 40 || typeof id !== 'string' || id.length === 0 || id.length > 200) {
    throw new InvalidCursorError(NOT_OURS);
  }
  return { v, id };
}

/**
 * Due first (ActivityDoc.dueAt, ties on the id), by keyset: a page starts after the last row of the one before through
 * the index of its filters (one person's or team's, one record's, or the tenant's by status), so a deep page costs
 * what the first does. No total: a count would read every matching activity.
 */
export function activityListQuery(tenantId: string, filters: ActivityListFilters, key: CursorKey = UNKEYED): FindQuery & { limit: number } {
  const cursor = filters.cursor === undefined ? undefined : decodeCursor(filters.cursor, boundTo(tenantId, filters), key);
  const assignee =
    filters.userId !== undefined
      ? assigneeKeyOf({ userId: filters.userId })
      : filters.teamId !== undefined
        ? assigneeKeyOf({ teamId: filters.teamId })
        : undefined;
  const regarding =
    filters.regardingType !== undefined && filters.regardingId !== undefined
      ? regardingKeyOf({ type: filters.regardingType, id: filters.regardingId })
      : undefined;
  return {
    where: compact({
      tenantId,
      assigneeKey: assignee,
      regardingKey: regarding,
      status: filters.status,
      type: filters.type,
      dueAt: timeRange(filters.dueFrom, filters.dueTo),
    }),
    orderBy: [{ field: 'dueAt', direction: 'asc' }],
    limit: Math.min(filters.limit ?? 50, MAX_ACTIVITY_PAGE),
    ...(cursor === undefined ? {} : { after: { values: [cursor.v], id: tenantKey(tenantId, cursor.id) } }),
  };
}

export async function loadActivityList(
  store: Pick<ReadStore, 'find'>,
  collection: string,
  tenantId: string,
  filters: ActivityListFilters,
  key: CursorKey = UNKEYED,
): Promise<ActivityPage> {
  const query = activityListQuery(tenantId, filters, key);
  const { rows: records, lastBeforeMore } = pageOfLookAhead(
    await store.find<ActivityDoc>(collection, { ...query, limit: query.limit + 1 }),
    query.limit,
  );
  const last = lastBeforeMore?.doc;
  const nextCursor = last === undefined ? null : sealCursor({ v: last.dueAt, id: last.activityId }, boundTo(tenantId, filters), key);
  return { items: records.map((record) => activityRow(record.doc)), limit: query.limit, nextCursor };
}

/** One activity of the tenant, or undefined when there is none with this id. */
export async function loadActivity(
  store: Pick<ReadStore, 'get'>,
  collection: string,
  tenantId: string,
  activityId: string,
): Promise<ActivityRow | undefined> {
  const record = await store.get<ActivityDoc>(collection, tenantKey(tenantId, activityId));
  return record === undefined ? undefined : activityRow(record.doc);
}
