import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export const WORKSPACE = resolve(__dirname, '../../../..');

export interface Child {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
}

/**
 * Runs an app's entry point from source (SWC through @swc-node/register, path
 * aliases included), as a separate process on the embedded store in `dataDir`.
 */
export function startApp(entry: string, args: readonly string[], dataDir: string, env: NodeJS.ProcessEnv = {}): Child {
  const { CRM_READ_STORE: _read, CRM_PROJECTIONS: _projections, ...inherited } = process.env;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry, ...args], {
    cwd: WORKSPACE,
    // Logs at info whatever the suite's CRM_LOG: tests read them. Port 0: parallel tests' projectors must not meet on the default port.
    env: {
      ...inherited,
      CRM_EVENT_STORE: 'sqlite',
      CRM_DATA_DIR: dataDir,
      CRM_PROJECTOR_STATUS_MS: '0',
      CRM_PROJECTOR_PORT: '0',
      CRM_LOG: 'info',
      // Tests kill children: a short lease lets the next process take their projections over quickly.
      CRM_LEASE_TTL_MS: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  return { process: child, output: () => output, exited };
}

/** Polls `check` until it returns a value, or fails with `describe()` after `timeoutMs`. */
export async function poll<T>(check: () => T | undefined, timeoutMs: number, describe: () => string, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
