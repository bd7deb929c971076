import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { threadId } from 'node:worker_threads';
import type { ReadStore } from './read-store';

/**
 * Where a process runs, as far as another process can tell whether it is still alive: the same
 * kernel boot and the same PID namespace (12 hex digits of a hash of both: a pid means the same
 * process only there), and the process's start time in clock ticks since boot (`/proc/<pid>/stat`,
 * field 22), which a later process given the same pid does not share. Undefined where there is no
 * `/proc` to read. A thread of a live process is taken as alive, whatever became of it.
 */
interface ProcessMark {
  readonly where: string;
  readonly startedAt: string;
}

let own: ProcessMark | null | undefined;

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so the fields are counted after its last `)`.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function ownMark(): ProcessMark | undefined {
  if (own === undefined) {
    try {
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      const namespace = readlinkSync('/proc/self/ns/pid');
      const startedAt = startTimeOf(process.pid);
      own = startedAt ? { where: createHash('sha256').update(`${boot}\n${namespace}`).digest('hex').slice(0, 12), startedAt } : null;
    } catch {
      own = null;
    }
  }
  return own ?? undefined;
}

/**
 * Who a process is in the lease table: host, pid, thread, a random suffix (two runners of one
 * thread differ), and where the kernel lets it, the mark `ownerIsGone` reads.
 */
export function defaultOwner(): string {
  const mark = ownMark();
  const name = `${hostname()}:${process.pid}:${threadId}:${randomUUID().slice(0, 8)}`;
  return mark ? `${name}:${mark.where}.${mark.startedAt}` : name;
}

const MARKED = /:(\d+):\d+:[0-9a-f]{8}:([0-9a-f]{12})\.(\d+)$/;
/** `defaultOwner()`'s host and pid, whether or not it carries the mark. */
const NAMED = /^(.+):(\d+):\d+:[0-9a-f]{8}(?::|$)/;

/** An owner as a person reads it: `pid 123` on this host, `pid 123 on <host>` on another; as written when not ours. */
export function describeOwner(owner: string): string {
  const named = NAMED.exec(owner);
  if (!named) return owner;
  return named[1] === hostname() ? `pid ${named[2]}` : `pid ${named[2]} on ${named[1]}`;
}

/**
 * True only when `owner` was a process of this machine's current boot and PID namespace that no
 * longer runs: its pid is free, or taken by a process started at another time. Anything this
 * process cannot judge (another host or container, an owner named by hand, no `/proc`, a process
 * it may not look at) is taken as alive: its lease lapses at its TTL as before.
 */
export function ownerIsGone(owner: string): boolean {
  const mark = ownMark();
  const match = MARKED.exec(owner);
  if (!mark || !match || match[2] !== mark.where) return false;
  const pid = Number(match[1]);
  const startedAt = match[3];
  if (pid === process.pid) return startedAt !== mark.startedAt;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const running = startTimeOf(pid);
  return running !== undefined && running !== startedAt;
}

/**
 * Expires at once every live lease whose owner is gone (`ownerIsGone`), so that a process restarted
 * after a crash takes its projections and reactors back now rather than a TTL later. Safe whatever
 * the race: the lease then goes to whoever asks first, at a new epoch, and a gone owner commits
 * nothing anyway. Returns the names of the leases it expired.
 */
export async function expireLeasesOfGoneOwners(store: Pick<ReadStore, 'listLeases' | 'releaseLease'>, now = Date.now()): Promise<string[]> {
  if (!ownMark()) return [];
  const gone = (await store.listLeases()).filter((lease) => Date.parse(lease.expiresAt) > now && ownerIsGone(lease.owner));
  await Promise.all(gone.map((lease) => store.releaseLease(lease.name, lease.owner)));
  return gone.map((lease) => lease.name);
}
