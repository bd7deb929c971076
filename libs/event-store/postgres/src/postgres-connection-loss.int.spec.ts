import { anEvent, endLentConnection } from '@crm/shared/testing';
import { AdminConnection, openTestStore } from './test-support';

describe('PostgresEventStore: a connection the server ends (real server)', () => {
  const admin = new AdminConnection();
  afterAll(() => admin.end());

  it('while lent out and idle: the process goes on, the connection is dropped, and the store appends and reads', async () => {
    const store = await openTestStore();
    try {
      // Before, the server's notice on a lent connection was an 'error' nobody heard, and it ended the process.
      await endLentConnection(store.pool, admin.pool);
      await store.appendToStream('order-1', [anEvent('OrderPlaced', { n: 1 })], { expectedRevision: 'no_stream' });
      expect(await store.streamRevision('order-1')).toBe(0);
    } finally {
      await store.close();
      await admin.dropSchema(store.schema);
    }
  });
});
