import { EventEmitter } from 'node:events';
import { runCli } from '../cli';
import type { CliIo, Output } from '../context';

class Captured extends EventEmitter implements Output {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** The CLI in-process, its output captured: for tests on a real data directory. */
export async function cli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Captured();
  const stderr = new Captured();
  const io: CliIo = { stdout, stderr, env, interrupted: new Promise(() => undefined) };
  const code = await runCli(args, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}
