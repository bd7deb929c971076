import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The workspace root, where the CLI's source runs from. */
export const WORKSPACE = resolve(__dirname, '../../../..');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as users run it: its own process, configured by the environment only; its output readable while it runs. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv) {
  const { CRM_EVENT_STORE: _store, CRM_READ_STORE: _read, ...inherited } = process.env;
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/crm-cli/src/main.ts', ...args], {
    cwd: WORKSPACE,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), (output += chunk.toString())));
  child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), (output += chunk.toString())));
  const exited = new Promise<Run & { output: string }>((done) => child.on('close', (code) => done({ code, stdout, stderr, output })));
  return { child, output: () => output, exited };
}

/** The CLI run to its end, in a process of its own. */
export const cli = async (args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> => {
  const { code, stdout, stderr } = await startCli(args, env).exited;
  return { code, stdout, stderr };
};
