import { Writable } from 'node:stream';

/** Collects what an app logs (its `logDestination`), one parsed JSON object per line (a line that is not JSON fails the parse). */
export function logSink() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const lines = () =>
    text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines, text: () => text };
}
