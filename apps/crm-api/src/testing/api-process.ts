import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export const WORKSPACE = resolve(__dirname, '../../../..');

export interface ApiProcess {
  readonly process: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the base URL once the API logs that it listens; rejects if it exits first. */
  readonly listening: Promise<string>;
  /** stdout and stderr so far, interleaved as they came. */
  output(): string;
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** SIGKILL to the whole process group (npm and the node it started), for clean-up. */
  kill(): void;
}

/**
 * The API as operators run it, in a process of its own on a free port:
 * `node -r @swc-node/register apps/crm-api/src/main.ts` (from source), or any
 * command given (`npm start`). It must log at info, so its listening line
 * says where it is.
 */
export function spawnApi(
  env: NodeJS.ProcessEnv,
  command: readonly string[] = [process.execPath, '-r', '@swc-node/register', 'apps/crm-api/src/main.ts'],
): ApiProcess {
  const { CRM_READ_STORE: _read, CRM_PROJECTIONS: _projections, ...inherited } = process.env;
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: WORKSPACE,
    env: { ...inherited, CRM_EVENT_STORE: 'sqlite', PORT: '0', HOST: '127.0.0.1', ...env, CRM_LOG: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so clean-up reaches a node that `npm start` left behind.
    detached: true,
  });
  let output = '';
  let found: ((url: string) => void) | undefined;
  const listening = new Promise<string>((resolveUrl, reject) => {
    found = resolveUrl;
    child.on('exit', (code) => reject(new Error(`the API exited (${code}) before listening:\n${output}`)));
  });
  listening.catch(() => undefined); // observed by whoever awaits it
  const scan = (chunk: Buffer) => {
    output += chunk.toString();
    const line = output.split('\n').find((text) => text.includes('"CRM API listening"'));
    if (line) found?.((JSON.parse(line) as { url: string }).url.replace(/\/api\/v1$/, ''));
  };
  child.stdout.on('data', scan);
  child.stderr.on('data', scan);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { process: child, listening, output: () => output, exited, kill };
}
