import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('defaults to the embedded SQLite store under ./data on port 3000', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, eventStore: 'sqlite', bodyLimitBytes: 512 * 1024 });
    expect(config.dataDir.endsWith('/data')).toBe(true);
  });

  it('names every bad variable at once', () => {
    const error = (() => {
      try {
        loadConfig({ CRM_EVENT_STORE: 'oracle', PORT: 'eighty', CRM_BODY_LIMIT_BYTES: '-1' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'CRM_EVENT_STORE="oracle" must be one of sqlite, postgres, eventstoredb, memory',
      'PORT="eighty" must be an integer from 0 to 65535',
      'CRM_BODY_LIMIT_BYTES="-1" must be an integer from 1024 to 67108864',
    ]);
  });

  it('takes the business time zone from CRM_BUSINESS_TIME_ZONE and refuses one Intl does not know', () => {
    expect(() => loadConfig({ CRM_BUSINESS_TIME_ZONE: 'UTC' })).not.toThrow();
    expect(() => loadConfig({ CRM_BUSINESS_TIME_ZONE: 'Europe/Berlin' })).not.toThrow();
    expect(() => loadConfig({ CRM_BUSINESS_TIME_ZONE: 'Tehran' })).toThrow(
      'CRM_BUSINESS_TIME_ZONE="Tehran" must be an IANA time zone, e.g. Asia/Tehran (the default) or UTC',
    );
  });

  it('requires the connection URL of the store it is told to use', () => {
    expect(() => loadConfig({ CRM_EVENT_STORE: 'postgres' })).toThrow(/CRM_POSTGRES_URL/);
    expect(() => loadConfig({ CRM_EVENT_STORE: 'eventstoredb' })).toThrow(/EVENTSTORE_URL/);
    expect(loadConfig({ CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://x@h/db' }).postgresUrl).toBe('postgres://x@h/db');
  });

  it('puts read models beside the events unless told otherwise, and checks the pairing', () => {
    expect(loadConfig({}).readStore).toBe('sqlite');
    expect(loadConfig({ CRM_EVENT_STORE: 'postgres', DATABASE_URL: 'postgres://x@h/db' }).readStore).toBe('postgres');
    expect(() => loadConfig({ CRM_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://h:2113' })).toThrow(/MONGODB_URL/);
    expect(() => loadConfig({ CRM_EVENT_STORE: 'memory', CRM_READ_STORE: 'sqlite' })).toThrow(/CRM_EVENT_STORE=sqlite/);
    expect(() => loadConfig({ CRM_PROJECTIONS: 'sometimes' })).toThrow(/CRM_PROJECTIONS/);
    expect(loadConfig({ CRM_PROJECTIONS: 'off' }).runProjections).toBe(false);
    expect(loadConfig({})).toMatchObject({ projections: 'run', runProjections: true });
    expect(loadConfig({ CRM_PROJECTIONS: 'inline' })).toMatchObject({ projections: 'inline', runProjections: true });
  });

  it('keeps the body limit below what KurrentDB takes in one append, so a body it accepts can be recorded', () => {
    const production = { CRM_EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'kurrentdb://h:2113', MONGODB_URL: 'mongodb://h/crm' };
    expect(loadConfig(production)).toMatchObject({
      bodyLimitBytes: 512 * 1024,
      eventStoreMaxAppendBytes: 1024 * 1024,
      eventStoreStreamPrefix: '',
    });
    expect(() => loadConfig({ ...production, CRM_BODY_LIMIT_BYTES: String(1024 * 1024) })).toThrow(
      /must stay below EVENTSTORE_MAX_APPEND_BYTES/,
    );
    expect(
      loadConfig({ ...production, CRM_BODY_LIMIT_BYTES: String(2 * 1024 * 1024), EVENTSTORE_MAX_APPEND_BYTES: String(4 * 1024 * 1024) })
        .bodyLimitBytes,
    ).toBe(2 * 1024 * 1024);
    expect(() => loadConfig({ ...production, EVENTSTORE_STREAM_PREFIX: 'a-b' })).toThrow(/EVENTSTORE_STREAM_PREFIX/);
    expect(loadConfig({ ...production, MONGODB_DATABASE: 'crm_e2e_1' }).mongodbDatabase).toBe('crm_e2e_1');
  });
});

describe('loadConfig: operations', () => {
  it('defaults to info logs, a 10 s shutdown grace, readiness within 60 s of lag and the projector on 3001', () => {
    expect(loadConfig({}).operations).toEqual({
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      readyMaxLagSeconds: 60,
      projectorPort: 3001,
      projectorHost: '0.0.0.0',
      startWaitMs: 60_000,
    });
    expect(loadConfig({ CRM_LOG: 'SILENT' }).operations.logLevel).toBe('silent');
    expect(loadConfig({ CRM_START_WAIT_S: '0' }).operations.startWaitMs).toBe(0);
    expect(() => loadConfig({ CRM_START_WAIT_S: '-1' })).toThrow(/CRM_START_WAIT_S="-1" must be an integer from 0 to 3600/);
  });

  it('names bad operations values with the rest', () => {
    expect(() => loadConfig({ CRM_LOG: 'loud', CRM_SHUTDOWN_GRACE_MS: '-5', CRM_READY_MAX_LAG_SECONDS: '0' })).toThrow(
      expect.objectContaining({
        problems: [
          'CRM_LOG="loud" must be one of fatal, error, warn, info, debug, trace, silent',
          'CRM_SHUTDOWN_GRACE_MS="-5" must be an integer from 0 to 600000',
          'CRM_READY_MAX_LAG_SECONDS="0" must be an integer from 1 to 86400',
        ],
      }),
    );
  });
});
