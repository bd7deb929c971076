import { runCli } from './cli';

// The first Ctrl-C (or SIGTERM) asks the command to stop cleanly (checkpoints saved); a second one ends the process.
let signalled = false;
let interrupt: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
const onSignal = (signal: NodeJS.Signals) => {
  if (signalled) process.exit(130);
  signalled = true;
  process.stderr.write(`\n${signal}: stopping after the batch in hand (again to force)\n`);
  interrupt();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `crm-cli export events | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, interrupted }).then(
  (code) => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`crm-cli: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
