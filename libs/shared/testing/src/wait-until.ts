const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 5 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Commits `connection`'s open transaction after `ms`, from a timer of this event loop: a write that waits for that
 * transaction's lock in a busy handler (holding the loop) never sees it freed; one that waits on timers does.
 */
export function commitAfter(connection: { exec(sql: string): unknown }, ms: number): Promise<void> {
  return new Promise<void>((resolve) =>
    setTimeout(() => {
      connection.exec('COMMIT');
      resolve();
    }, ms),
  );
}
