import { InMemoryReadStore } from './in-memory-read-store';
import { KeptAnswers } from './kept-answers';

const leads = { name: 'pipeline-leads', readsPersonalData: false } as const;
const deals = { name: 'pipeline-opportunities', readsPersonalData: false } as const;

async function checkpoint(store: InMemoryReadStore, name: string, at: string): Promise<void> {
  await store.transaction((tx) => tx.saveState({ name, collection: `${name}_v1_1`, checkpoint: at }));
}

describe('KeptAnswers', () => {
  it('serves the answer again while no source has applied anything, and computes afresh once one has', async () => {
    const store = new InMemoryReadStore();
    await checkpoint(store, leads.name, '10');
    await checkpoint(store, deals.name, '7');
    const kept = new KeptAnswers<{ leads: number }>();
    let computed = 0;
    const compute = async () => ({ leads: (computed += 1) });
    const first = await kept.answer(store, [leads, deals], 'default:funnel', compute);
    expect(await kept.answer(store, [leads, deals], 'default:funnel', compute)).toBe(first);
    expect(computed).toBe(1);
    // Another key is another answer.
    await kept.answer(store, [leads, deals], 'acme:funnel', compute);
    expect(computed).toBe(2);
    // Either source moving is enough.
    await checkpoint(store, deals.name, '8');
    expect(await kept.answer(store, [leads, deals], 'default:funnel', compute)).toEqual({ leads: 3 });
    await checkpoint(store, leads.name, '11');
    expect(await kept.answer(store, [leads, deals], 'default:funnel', compute)).toEqual({ leads: 4 });
    expect(await kept.answer(store, [leads, deals], 'default:funnel', compute)).toEqual({ leads: 4 });
    expect(computed).toBe(4);
  });

  it('hands out a frozen answer, forgets the least recently asked beyond its limit, and refuses sources an erasure purges', async () => {
    const store = new InMemoryReadStore();
    await checkpoint(store, leads.name, '1');
    const kept = new KeptAnswers<{ groups: { key: string }[] }>(2);
    let computed = 0;
    const compute = async () => ({ groups: [{ key: String((computed += 1)) }] });
    const a = await kept.answer(store, [leads], 'a', compute);
    expect(() => {
      (a.groups[0] as { key: string }).key = 'changed';
    }).toThrow(TypeError);
    await kept.answer(store, [leads], 'b', compute);
    await kept.answer(store, [leads], 'a', compute); // a is the most recent now
    await kept.answer(store, [leads], 'c', compute); // b goes
    expect(computed).toBe(3);
    await kept.answer(store, [leads], 'a', compute);
    expect(computed).toBe(3);
    await kept.answer(store, [leads], 'b', compute);
    expect(computed).toBe(4);
    await expect(kept.answer(store, [leads, { name: 'complaint-audit' }], 'x', compute)).rejects.toThrow(/complaint-audit/);
  });
});
