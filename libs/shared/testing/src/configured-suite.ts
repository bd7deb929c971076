/**
 * A suite that needs an external server runs when its variable is set. When it
 * is not, the same tests are registered as skipped, with the reason in the
 * suite's title and on stderr: never a silent pass.
 */
export function describeWhenConfigured(title: string, variable: string, body: (value: string) => void): void {
  const value = process.env[variable];
  if (value) {
    describe(title, () => body(value));
    return;
  }
  const reason = `${variable} is not set, so there is no server to test against`;
  process.stderr.write(`SKIPPED ${title}: ${reason}\n`);
  describe.skip(`${title} — skipped: ${reason}`, () => body(''));
}
