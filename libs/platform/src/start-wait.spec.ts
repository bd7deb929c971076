import { loadConfig } from './app-config';
import { startRetryDelayMs, waitForPostgres } from './start-wait';

const URL_ = 'postgres://crm:secret@db.example:6543/crm';
const postgres = (wait = '60') =>
  loadConfig({ CRM_EVENT_STORE: 'postgres', CRM_POSTGRES_URL: URL_, CRM_START_WAIT_S: wait, CRM_DATA_DIR: '/nowhere' });

/** A clock that sleeps by moving on, and a probe failing with the given errors in turn, then answering. */
function scripted(failures: unknown[]) {
  let now = 0;
  const said: string[] = [];
  const probes: number[] = [];
  return {
    said,
    probes,
    wait: {
      probe: async () => {
        probes.push(now);
        const failure = failures.shift();
        if (failure !== undefined) throw failure;
      },
      say: (line: string) => said.push(line),
      sleep: async (ms: number) => void (now += ms),
      now: () => now,
    },
  };
}

const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const starting = Object.assign(new Error('the database system is starting up'), { code: '57P03' });

describe('waitForPostgres (a server started before its PostgreSQL)', () => {
  it('tries again with growing pauses while the server refuses or is starting, then goes on', async () => {
    const run = scripted([refused, refused, starting, refused]);
    await expect(waitForPostgres(postgres(), run.wait)).resolves.toBe(true);
    expect(run.probes).toEqual([0, 500, 1500, 3500, 7500]);
    expect(run.said).toHaveLength(5);
    expect(run.said[0]).toBe(
      'PostgreSQL at db.example:6543 does not answer (ECONNREFUSED): trying again in 0.5 s, for up to 60 s more (CRM_START_WAIT_S)',
    );
    expect(run.said[2]).toContain('(57P03)');
    expect(run.said[4]).toBe('PostgreSQL at db.example:6543 answers: starting');
    // Never the user or the password of the URL.
    expect(run.said.join('\n')).not.toMatch(/secret|crm:/);
    expect([0, 1, 2, 3, 4, 10].map(startRetryDelayMs)).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });

  it('gives up once CRM_START_WAIT_S has passed, its last pause cut to what was left', async () => {
    const run = scripted(Array.from({ length: 100 }, () => refused));
    await expect(waitForPostgres(postgres('3'), run.wait)).resolves.toBe(false);
    expect(run.probes).toEqual([0, 500, 1500, 3000]);
  });

  it('does not wait on what waiting does not cure, with CRM_START_WAIT_S=0, or without PostgreSQL', async () => {
    const denied = Object.assign(new Error('password authentication failed for user "crm"'), { code: '28P01' });
    const wrong = scripted([denied]);
    await expect(waitForPostgres(postgres(), wrong.wait)).resolves.toBe(false);
    expect(wrong.probes).toEqual([0]);
    expect(wrong.said).toEqual([]);
    const never = scripted([refused]);
    await expect(waitForPostgres(postgres('0'), never.wait)).resolves.toBe(false);
    expect(never.probes).toEqual([0]);
    const embedded = scripted([]);
    await expect(waitForPostgres(loadConfig({ CRM_DATA_DIR: '/nowhere' }), embedded.wait)).resolves.toBe(false);
    expect(embedded.probes).toEqual([]);
  });
});
