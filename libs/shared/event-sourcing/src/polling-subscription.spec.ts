import type { ReadAllOptions, ReadAllSlice } from './event-store';
import {
  AppendedKinds,
  AppendSignal,
  couldMatch,
  pollingSubscription,
  UNMATCHED_READ_WITHIN_MS,
  type PollingSource,
} from './polling-subscription';

describe('AppendedKinds', () => {
  it('joins the spans of coalesced commits only when they are back to back', () => {
    const kinds = new AppendedKinds();
    kinds.merge({ categories: ['lead'], types: ['LeadCaptured'], span: { before: '10', after: '13' } });
    kinds.merge({ categories: ['feedback'], types: ['FeedbackSubmitted'], span: { before: '13', after: '14' } });
    expect(kinds.take()).toEqual({
      categories: ['lead', 'feedback'],
      types: ['LeadCaptured', 'FeedbackSubmitted'],
      span: { before: '10', after: '14' },
    });
    // Another writer committed 14..16 between them: what lies there is not described, so no span.
    kinds.merge({ categories: ['lead'], types: ['LeadCaptured'], span: { before: '10', after: '14' } });
    kinds.merge({ categories: ['lead'], types: ['LeadCaptured'], span: { before: '16', after: '17' } });
    expect(kinds.take()).toEqual({ categories: ['lead'], types: ['LeadCaptured'] });
    // A commit of unknown kinds makes the whole description unknown.
    kinds.merge({ categories: ['lead'], types: ['LeadCaptured'], span: { before: '17', after: '18' } });
    kinds.merge(undefined);
    expect(kinds.take()).toBeUndefined();
    expect(kinds.isEmpty).toBe(true);
  });

  it('drops what a commit that failed collected when the next one begins', () => {
    const kinds = new AppendedKinds();
    kinds.begin('5');
    kinds.add('complaint-1', [{ type: 'ComplaintReceived' }]);
    kinds.begin('5');
    kinds.add('lead-1', [{ type: 'LeadCaptured' }]);
    kinds.end('6');
    expect(kinds.take()).toEqual({ categories: ['lead'], types: ['LeadCaptured'], span: { before: '5', after: '6' } });
  });
});

describe('couldMatch', () => {
  const appended = { categories: ['lead'], types: ['LeadCaptured'] };
  it.each([
    [undefined, true],
    [{ categories: ['lead'] }, true],
    [{ categories: ['complaint'] }, false],
    [{ eventTypes: ['LeadQualified'] }, false],
    [{ categories: ['lead'], eventTypes: ['LeadQualified'] }, false],
    [{ tenantId: 'acme' }, true],
  ])('filter %j: %s', (filter, expected) => {
    expect(couldMatch(filter, appended)).toBe(expected);
  });
});

describe('pollingSubscription after a wake-up for a commit it cannot match', () => {
  /** A log of positions 1..head with nothing the subscription matches, on a minute's poll. */
  function source(head: () => number) {
    const signal = new AppendSignal();
    const readAll = jest.fn(async (options: ReadAllOptions): Promise<ReadAllSlice> => ({
      events: [],
      checkpoint: String(Math.max(Number(options.after ?? 0), head())),
      isEnd: true,
    }));
    const polling: PollingSource = {
      readAll,
      signal,
      pollIntervalMs: 60_000,
      comparePositions: (a, b) => Math.sign(Number(a) - Number(b)),
    };
    return { signal, readAll, polling };
  }

  /** A subscription on category `a`, recording the checkpoint of every batch. */
  function subscribeToA(polling: PollingSource) {
    const checkpoints: string[] = [];
    const subscription = pollingSubscription(polling, async (_events, checkpoint) => void checkpoints.push(checkpoint), {
      filter: { categories: ['a'] },
    });
    return { subscription, checkpoints };
  }

  it('reads again when another wake-up came while it was passing one, before it waited again', async () => {
    let head = 3;
    const { signal, readAll, polling } = source(() => head);
    const checkpoints: string[] = [];
    const subscription = pollingSubscription(
      polling,
      async (_events, checkpoint) => {
        checkpoints.push(checkpoint);
        if (checkpoint === '5') {
          // A commit it could match lands while this batch is handled: no waiter is armed to hear it.
          head = 6;
          signal.notify({ categories: ['a'], types: ['A'] });
        }
      },
      { filter: { categories: ['a'] } },
    );
    try {
      await subscription.caughtUp;
      expect(readAll).toHaveBeenCalledTimes(1);
      head = 5;
      signal.notify({ categories: ['b'], types: ['B'], span: { before: '3', after: '5' } });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(checkpoints).toEqual(['3', '5', '6']);
      expect(readAll).toHaveBeenCalledTimes(2);
    } finally {
      await subscription.stop();
    }
  });

  it('reads when it has not read up to where the commit began', async () => {
    let head = 3;
    const { signal, readAll, polling } = source(() => head);
    const { subscription, checkpoints } = subscribeToA(polling);
    try {
      await subscription.caughtUp;
      head = 8;
      signal.notify({ categories: ['b'], types: ['B'], span: { before: '6', after: '8' } });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(readAll).toHaveBeenCalledTimes(2);
      expect(checkpoints).toEqual(['3', '8']);
    } finally {
      await subscription.stop();
    }
  });

  it('reads within UNMATCHED_READ_WITHIN_MS, not at once, after a commit it cannot match that has no span', async () => {
    let head = 3;
    const { signal, readAll, polling } = source(() => head);
    const { subscription, checkpoints } = subscribeToA(polling);
    try {
      await subscription.caughtUp;
      head = 4;
      signal.notify({ categories: ['b'], types: ['B'] });
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(readAll).toHaveBeenCalledTimes(1);
      await new Promise((resolve) => setTimeout(resolve, UNMATCHED_READ_WITHIN_MS + 30));
      expect(readAll).toHaveBeenCalledTimes(2);
      expect(checkpoints).toEqual(['3', '4']);
    } finally {
      await subscription.stop();
    }
  });
});
