import { projectionSpec } from '@crm/shared/testing';
import { customerActivityProjection } from './customer-activity.projection';
import { sortablePosition } from './documents';

/** The sortable form of the position of the n-th event given (the lastPosition the fold stamps). */
const at = (n: number): string => sortablePosition(String(n));

const opened = {
  type: 'AccountOpened',
  data: { accountId: 'a1', name: 'شرکت فولاد مبارکه', nameKey: 'شرکت فولاد مبارکه', openedAt: '2025-01-05T09:00:00+03:30' },
} as const;
const purchase = (purchaseId: string, amount: number, occurredAt: string, accountId = 'a1') =>
  ({
    type: 'PurchaseRecorded',
    data: { accountId, purchaseId, amount: { amount, currency: 'IRR' }, occurredAt, externalRef: purchaseId },
  }) as const;

describe('loyalty-customer-activity projection', () => {
  it('keeps purchases in time order (UTC), whatever order and offset they were recorded in', () => {
    projectionSpec(customerActivityProjection)
      .given([
        opened,
        purchase('p2', 2_000, '2025-03-01T10:00:00+03:30'),
        purchase('p1', 1_000, '2025-02-01T00:30:00+03:30'),
        { type: 'AccountUpdated', data: { accountId: 'a1', changes: { name: 'فولاد مبارکه اصفهان' }, updatedAt: '2025-03-02T00:00:00Z' } },
      ])
      .thenDocuments({
        'default:a1': {
          tenantId: 'default',
          accountId: 'a1',
          name: 'فولاد مبارکه اصفهان',
          openedAt: '2025-01-05T05:30:00.000Z',
          status: 'open',
          closures: [],
          purchases: [
            { purchaseId: 'p1', amount: { amount: 1_000, currency: 'IRR' }, occurredAt: '2025-01-31T21:00:00.000Z' },
            { purchaseId: 'p2', amount: { amount: 2_000, currency: 'IRR' }, occurredAt: '2025-03-01T06:30:00.000Z' },
          ],
          firstPurchaseAt: '2025-01-31T21:00:00.000Z',
          lastPurchaseAt: '2025-03-01T06:30:00.000Z',
          lastPosition: at(4), // the renaming
        },
      });
  });

  it('remembers every closing and reopening, so churn as of an earlier date sees the account as it was', () => {
    projectionSpec(customerActivityProjection)
      .given([
        opened,
        { type: 'AccountClosed', data: { accountId: 'a1', reason: 'ورشکستگی', closedAt: '2025-04-01T00:00:00Z' } },
        { type: 'AccountReopened', data: { accountId: 'a1', reopenedAt: '2025-05-01T00:00:00Z' } },
        { type: 'AccountClosed', data: { accountId: 'a1', reason: 'انتقال به رقیب', closedAt: '2025-06-01T00:00:00Z' } },
      ])
      .thenDocument('default:a1', {
        tenantId: 'default',
        accountId: 'a1',
        name: 'شرکت فولاد مبارکه',
        openedAt: '2025-01-05T05:30:00.000Z',
        status: 'closed',
        closures: [
          { closedAt: '2025-04-01T00:00:00.000Z', reason: 'ورشکستگی', reopenedAt: '2025-05-01T00:00:00.000Z' },
          { closedAt: '2025-06-01T00:00:00.000Z', reason: 'انتقال به رقیب' },
        ],
        purchases: [],
        lastPosition: at(4), // the second closing
      });
  });

  it('keys documents by tenant and ignores events of an account it never saw opened', () => {
    projectionSpec(customerActivityProjection)
      .given([{ ...opened, metadata: { tenantId: 'acme' } }, purchase('p9', 5, '2025-02-01T00:00:00Z', 'ghost')])
      .thenDocuments({
        'acme:a1': {
          tenantId: 'acme',
          accountId: 'a1',
          name: 'شرکت فولاد مبارکه',
          openedAt: '2025-01-05T05:30:00.000Z',
          status: 'open',
          closures: [],
          purchases: [],
          lastPosition: at(1), // the purchase of an account never opened changed nothing
        },
      });
  });
});
