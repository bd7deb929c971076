import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { InMemoryReadStore } from './in-memory-read-store';
import { defaultOwner, expireLeasesOfGoneOwners, ownerIsGone } from './owner-liveness';

/** `host:pid:thread:suffix:where.startedAt` → its parts. */
function partsOf(owner: string) {
  const [host, pid, thread, suffix, mark] = owner.split(':');
  const [where, startedAt] = (mark ?? '').split('.');
  return { host, pid: Number(pid), thread, suffix, where, startedAt };
}

/** The owner name another process of this machine would take: its pid and its own start time. */
function ownerOf(child: ChildProcess): string {
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const startedAt = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  const { host, where } = partsOf(defaultOwner());
  return `${host}:${child.pid}:0:0badc0de:${where}.${startedAt}`;
}

function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60_000)'], { stdio: 'ignore' });
  return new Promise((resolve, reject) => child.once('spawn', () => resolve(child)).once('error', reject));
}

const exited = (child: ChildProcess) =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));

// Linux: the marks come from /proc (elsewhere an owner has no mark and its leases lapse at their TTL).
describe('owner liveness: a lease whose holder is a dead process of this machine is taken at once', () => {
  const children: ChildProcess[] = [];
  afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

  it('names this process with a mark of its boot, PID namespace and start time, and never takes itself for gone', () => {
    const owner = defaultOwner();
    const parts = partsOf(owner);
    expect(parts).toMatchObject({
      pid: process.pid,
      where: expect.stringMatching(/^[0-9a-f]{12}$/),
      startedAt: expect.stringMatching(/^\d+$/),
    });
    expect(defaultOwner()).not.toBe(owner); // two runners of one thread differ
    expect(ownerIsGone(owner)).toBe(false);
    // The same pid started at another time: an earlier process that had this pid, gone.
    expect(ownerIsGone(owner.replace(/\.\d+$/, `.${Number(parts.startedAt) + 1}`))).toBe(true);
  });

  it('takes another process for gone once it has exited, not before', async () => {
    const child = await sleeper();
    children.push(child);
    const owner = ownerOf(child);
    expect(ownerIsGone(owner)).toBe(false);
    child.kill('SIGKILL');
    await exited(child);
    expect(ownerIsGone(owner)).toBe(true);
  });

  it('cannot judge, so takes as alive: another boot or namespace, a pid reused at another start time is gone, names without a mark', async () => {
    const child = await sleeper();
    children.push(child);
    const owner = ownerOf(child);
    child.kill('SIGKILL');
    await exited(child);
    expect(ownerIsGone(owner.replace(/:[0-9a-f]{12}\./, ':000000000000.'))).toBe(false); // another machine or container
    expect(ownerIsGone(`${partsOf(owner).host}:${child.pid}:0:0badc0de`)).toBe(false); // no mark (no /proc where it ran)
    expect(ownerIsGone('one')).toBe(false); // named by hand
    // A live pid whose start time differs from the owner's: the pid was given to a later process.
    const other = await sleeper();
    children.push(other);
    expect(ownerIsGone(ownerOf(other).replace(/\.\d+$/, '.1'))).toBe(true);
  });

  it('expires only the live leases of gone owners; the next asker takes them at a new epoch', async () => {
    const store = new InMemoryReadStore();
    const child = await sleeper();
    children.push(child);
    const dead = ownerOf(child);
    const alive = defaultOwner();
    await store.acquireLease('pipeline-leads', dead, 60_000);
    await store.acquireLease('complaint-kpis', dead, 60_000);
    await store.acquireLease('satisfaction-days', alive, 60_000);
    await store.acquireLease('marketing-campaigns', 'another-host:1:0:0badc0de', 60_000);
    expect(await expireLeasesOfGoneOwners(store)).toEqual([]); // its process still runs
    child.kill('SIGKILL');
    await exited(child);

    expect((await expireLeasesOfGoneOwners(store)).sort()).toEqual(['complaint-kpis', 'pipeline-leads']);
    const restarted = defaultOwner();
    expect(await store.acquireLease('pipeline-leads', restarted, 60_000)).toMatchObject({ owner: restarted, epoch: 2 });
    expect(await store.acquireLease('satisfaction-days', restarted, 60_000)).toBeUndefined();
    expect(await store.acquireLease('marketing-campaigns', restarted, 60_000)).toBeUndefined();
    expect(await expireLeasesOfGoneOwners(store)).toEqual([]); // expired already: nothing to do again
  });
});
