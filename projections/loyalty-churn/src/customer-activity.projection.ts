import type { AccountEvent, AccountLinkRecorded, PurchaseRecorded } from '@crm/sales/domain';
import { defineProjection } from '@crm/shared/read-model';
import {
  documentKey,
  LOYALTY_PROJECTION_NAMES,
  tenantOf,
  utc,
  type CustomerActivityDoc,
  type PurchaseEntry,
  tenantChangeMarker,
  stampChanges,
} from './documents';

function withPurchase(doc: CustomerActivityDoc, data: PurchaseRecorded['data']): CustomerActivityDoc {
  const entry: PurchaseEntry = { purchaseId: data.purchaseId, amount: data.amount, occurredAt: utc(data.occurredAt) };
  const purchases = [...doc.purchases.filter((p) => p.purchaseId !== entry.purchaseId), entry].sort(
    (a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.purchaseId.localeCompare(b.purchaseId),
  );
  return {
    ...doc,
    purchases,
    firstPurchaseAt: purchases[0]?.occurredAt as string,
    lastPurchaseAt: purchases[purchases.length - 1]?.occurredAt as string,
  };
}

/** One document per account: opening, closings and every purchase (loyalty and churn are computed from it at query time). */
export const customerActivityProjection = stampChanges(
  defineProjection<CustomerActivityDoc, Exclude<AccountEvent, AccountLinkRecorded>>({
    name: LOYALTY_PROJECTION_NAMES.activity,
    version: 3,
    collection: 'loyalty_customer_activity',
    eventTypes: ['AccountOpened', 'AccountUpdated', 'AccountClosed', 'AccountReopened', 'PurchaseRecorded'],
    indexes: [['tenantId']],
    summary: tenantChangeMarker,
    documentId: (event) => documentKey(event, event.data.accountId),
    evolve(doc, event) {
      if (event.type === 'AccountOpened') {
        const { accountId, name, openedAt } = event.data;
        return { tenantId: tenantOf(event), accountId, name, openedAt: utc(openedAt), status: 'open', closures: [], purchases: [] };
      }
      // Every other account event follows its opening on the same stream; without one there is no customer to speak of.
      if (doc === null) return null;
      switch (event.type) {
        case 'AccountUpdated':
          return event.data.changes.name === undefined ? doc : { ...doc, name: event.data.changes.name };
        case 'AccountClosed': {
          const { closedAt, reason } = event.data;
          const closure = { closedAt: utc(closedAt), ...(reason === undefined ? {} : { reason }) };
          return { ...doc, status: 'closed', closures: [...doc.closures, closure] };
        }
        case 'AccountReopened': {
          const reopenedAt = utc(event.data.reopenedAt);
          const closures = doc.closures.map((closure, index) =>
            index === doc.closures.length - 1 && closure.reopenedAt === undefined ? { ...closure, reopenedAt } : closure,
          );
          return { ...doc, status: 'open', closures };
        }
        case 'PurchaseRecorded':
          return withPurchase(doc, event.data);
        default: {
          const _exhaustive: never = event;
          return _exhaustive;
        }
      }
    },
  }),
);
