import type { Appended } from '@crm/shared/event-sourcing';
import { WakeRelay } from './wake-relay';

const turn = () => new Promise((resolve) => setImmediate(resolve));

function relay() {
  const sent: (Appended | undefined)[] = [];
  const waits: { position: string; timeoutMs: number; settle: (applied: boolean) => void }[] = [];
  const wakes = new WakeRelay(
    (appended) => sent.push(appended),
    (position, timeoutMs) =>
      new Promise<void>((resolve, reject) =>
        waits.push({ position, timeoutMs, settle: (applied) => (applied ? resolve() : reject(new Error('timeout'))) }),
      ),
    50,
  );
  return { wakes, sent, waits };
}

const commit = (category: string, before: number, after: number): Appended => ({
  categories: [category],
  types: [`${category}Happened`],
  span: { before: String(before), after: String(after) },
});

describe('WakeRelay', () => {
  it('tells the worker of a lone commit at the end of the turn', async () => {
    const { wakes, sent, waits } = relay();
    wakes.told(commit('lead', 0, 3));
    expect(sent).toEqual([]);
    await turn();
    expect(sent).toEqual([commit('lead', 0, 3)]);
    expect(waits).toEqual([]);
  });

  it('holds what comes while the worker applies the last wake-up, then sends it merged', async () => {
    const { wakes, sent, waits } = relay();
    wakes.told(commit('lead', 0, 3));
    await turn();
    wakes.told(commit('feedback', 3, 4));
    wakes.told(commit('lead', 4, 7));
    await turn();
    expect(sent).toHaveLength(1);
    expect(waits.map(({ position, timeoutMs }) => ({ position, timeoutMs }))).toEqual([{ position: '3', timeoutMs: 50 }]);
    waits[0]?.settle(true);
    await turn();
    expect(sent[1]).toEqual({
      categories: ['feedback', 'lead'],
      types: ['feedbackHappened', 'leadHappened'],
      span: { before: '3', after: '7' },
    });
    // The next one waits for that span in turn.
    wakes.told(commit('lead', 7, 8));
    await turn();
    expect(waits[1]?.position).toBe('7');
  });

  it('sends anyway once the hold has run out (the wait rejected)', async () => {
    const { wakes, sent, waits } = relay();
    wakes.told(commit('lead', 0, 3));
    await turn();
    wakes.told(commit('lead', 3, 4));
    waits[0]?.settle(false);
    await turn();
    expect(sent).toEqual([commit('lead', 0, 3), commit('lead', 3, 4)]);
  });

  it('does not wait after a wake-up without a span: nothing says when the worker has applied it', async () => {
    const { wakes, sent, waits } = relay();
    wakes.told(undefined);
    await turn();
    wakes.told(commit('lead', 5, 6));
    await turn();
    expect(sent).toEqual([undefined, commit('lead', 5, 6)]);
    expect(waits).toEqual([]);
  });
});
