import { KeyedLock } from './keyed-lock';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedLock', () => {
  it('runs the tasks of one key one after another, in the order they came, and those of other keys beside them', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const task = (name: string, ms: number) => async () => {
      order.push(`${name} start`);
      await delay(ms);
      order.push(`${name} end`);
    };
    await Promise.all([lock.run('a', task('a1', 30)), lock.run('a', task('a2', 1)), lock.run('b', task('b1', 1))]);
    expect(order.indexOf('a1 end')).toBeLessThan(order.indexOf('a2 start'));
    expect(order.indexOf('b1 end')).toBeLessThan(order.indexOf('a1 end'));
  });

  it('lets a task go ahead after maxWaitMs beside one that never ends, and the next waits for it; a failure releases its turn', async () => {
    const lock = new KeyedLock();
    void lock.run('s', () => new Promise<never>(() => undefined));
    const started = Date.now();
    const order: string[] = [];
    const second = lock.run(
      's',
      async () => {
        order.push('second start');
        await delay(30);
        order.push('second end');
      },
      50,
    );
    const third = lock.run(
      's',
      async () => {
        order.push('third start');
        throw new Error('refused');
      },
      10_000,
    );
    await second;
    await expect(third).rejects.toThrow('refused');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(order).toEqual(['second start', 'second end', 'third start']);
    // Past the stuck one once, the line does not wait for it again.
    const after = Date.now();
    await expect(lock.run('s', async () => 'after', 10_000)).resolves.toBe('after');
    expect(Date.now() - after).toBeLessThan(1_000);
  });
});
