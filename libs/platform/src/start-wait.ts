import { isTransientStoreError } from '@crm/shared/kernel';
import type { AppConfig } from './app-config';

export interface StartWait {
  /** Tries one connection; rejects as the driver does. Default: a connection to `url` and `SELECT 1`. */
  readonly probe?: (url: string) => Promise<void>;
  /** Where each retry is told (one line, no password). */
  readonly say: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** The pause before the n-th retry: 0.5 s, doubling, at most 5 s. */
export const startRetryDelayMs = (attempt: number): number => Math.min(500 * 2 ** attempt, 5000);

async function connectOnce(url: string): Promise<void> {
  // Loaded here: an embedded start never needs the driver.
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  // A server going away mid-probe emits 'error' on the client: heard here, so it ends the probe and not the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** host:port of a connection URL, never its user or password. */
function whereOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`;
  } catch {
    return 'the configured server';
  }
}

/**
 * Before a server opens its stores: while the PostgreSQL server it uses refuses connections or is still starting
 * (a transient error: refused, reset, timed out, 57P03…), tries again with growing pauses for up to
 * `operations.startWaitMs`, telling each try. Returns once a connection answers, or at once when PostgreSQL is not
 * used, when the wait is 0, or on an error that waiting does not cure (a wrong password, an unknown database): the
 * stores' own opening then reports it, as it reports the server still down after the wait. Resolves true when the
 * server answered.
 */
export async function waitForPostgres(config: AppConfig, wait: StartWait): Promise<boolean> {
  const url = config.postgresUrl;
  const used = config.eventStore === 'postgres' || config.readStore === 'postgres';
  if (url === undefined || !used) return false;
  const probe = wait.probe ?? connectOnce;
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = wait.now ?? Date.now;
  const until = now() + config.operations.startWaitMs;
  for (let attempt = 0; ; attempt += 1) {
    try {
      await probe(url);
      if (attempt > 0) wait.say(`PostgreSQL at ${whereOf(url)} answers: starting`);
      return true;
    } catch (error) {
      if (!isTransientStoreError(error)) return false;
      const left = until - now();
      if (left <= 0) return false;
      const pause = Math.min(startRetryDelayMs(attempt), left);
      const reason = (error as { code?: unknown }).code ?? (error instanceof Error ? error.message : String(error));
      wait.say(
        `PostgreSQL at ${whereOf(url)} does not answer (${String(reason)}): trying again in ${(pause / 1000).toFixed(1)} s, ` +
          `for up to ${Math.ceil(left / 1000)} s more (CRM_START_WAIT_S)`,
      );
      await sleep(pause);
    }
  }
}
