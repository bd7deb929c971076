import { loadConfig } from '@crm/platform';
import { serverScope } from './store-scope';

describe('serverScope', () => {
  it('leaves the embedded store alone', () => {
    expect(serverScope({ CRM_EVENT_STORE: 'sqlite' }, '/tmp/crm-e2e-Ab1')).toEqual({ CRM_EVENT_STORE: 'sqlite' });
  });

  it('gives each app its own stream prefix and MongoDB database on shared servers, named after its data directory', () => {
    const env = {
      CRM_EVENT_STORE: 'eventstoredb',
      EVENTSTORE_URL: 'kurrentdb://k:2113?tls=false',
      MONGODB_URL: 'mongodb://m:27017/?replicaSet=rs0',
    };
    const scoped = serverScope(env, '/tmp/crm-e2e-Ab1x');
    expect(scoped).toMatchObject({ EVENTSTORE_STREAM_PREFIX: 'e2e_crme2eab1x', MONGODB_DATABASE: 'e2e_crme2eab1x' });
    expect(loadConfig(scoped)).toMatchObject({
      eventStoreStreamPrefix: 'e2e_crme2eab1x',
      mongodbDatabase: 'e2e_crme2eab1x',
      readStore: 'mongodb',
    });
    expect(serverScope(env, '/tmp/crm-e2e-Ab1x')).toEqual(scoped);
    expect(serverScope({ CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://p/db' }, '/tmp/crm-e2e-Zz9')).toMatchObject({
      CRM_POSTGRES_SCHEMA: 'e2e_crme2ezz9',
    });
  });
});
