import { createHmac, hkdfSync } from 'node:crypto';
import { DomainError } from '@crm/shared/event-sourcing';
import { refusals } from '@crm/shared/kernel';
import { isErasedKey, type KeyStore } from './key-store';
import { erasureFenceRef } from './person-references';
import { newDataKey, unwrapDataKey, wrapDataKey, type SubjectKeyRef } from './sealing';

export interface DataKeysOptions {
  /**
   * How long an unwrapped key is kept in memory. An erasure in this process
   * forgets the key at once; another process forgets it within this time.
   */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** What a write is refused with when it would seal personal data under a destroyed key. */
export const PERSONAL_DATA_REFUSALS = refusals('PERSONAL_DATA', {
  ERASED: [
    409,
    'The personal data of the record, or of the person it is about (or whose email or phone it gives for someone not on file), was erased (or is being erased): it takes no new personal data (changes without any are still recorded)',
  ],
});

const slot = (ref: SubjectKeyRef) => `${ref.tenantId}\n${ref.subjectRef}`;

/**
 * Where an erasure holds an email or phone of the person it erases (`DataKeys.holdContactPoints`): a key store entry
 * named by a keyed hash of the point, never by the point itself.
 */
export const CONTACT_POINT_HOLD_PREFIX = 'erasing-point:';

/** Data keys for sealing and opening: the key store behind the key-encryption key, with a short cache. */
interface PendingCreate {
  readonly ref: SubjectKeyRef;
  readonly wrapped: Buffer;
  resolve(stored: Buffer): void;
  reject(error: unknown): void;
}

export class DataKeys {
  private pending: PendingCreate[] = [];
  private readonly cache = new Map<string, { key: Buffer | undefined; until: number }>();
  private readonly fences = new Map<string, { erased: boolean; until: number }>();
  /** Whether an erasure holds a contact point (`refuseIfPointHeld`), as seen for `cacheMs`. */
  private readonly holds = new Map<string, { held: boolean; until: number }>();
  /** How long any process keeps an unwrapped key (every process of an installation runs with the same). */
  readonly cacheMs: number;
  private readonly now: () => number;
  /** What names a held contact point: derived from the key-encryption key, so the name tells nothing without it. */
  private readonly pointKey: Buffer;

  constructor(
    readonly store: KeyStore,
    private readonly kek: Buffer,
    options: DataKeysOptions = {},
  ) {
    if (kek.length !== 32) throw new Error('the key-encryption key must be 32 bytes');
    this.cacheMs = options.cacheMs ?? 2000;
    this.now = options.now ?? Date.now;
    this.pointKey = Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), 'crm erasure contact points v1', 32));
  }

  /** The key store entry holding a contact point ('phone:+98…', 'email:…') while an erasure runs. */
  private pointRef(tenantId: string, point: string): SubjectKeyRef {
    return {
      tenantId,
      subjectRef: `${CONTACT_POINT_HOLD_PREFIX}${createHmac('sha256', this.pointKey).update(point, 'utf8').digest('base64url')}`,
    };
  }

  /**
   * Held by an erasure from its fence until it is recorded: a record someone not on file makes meanwhile with one of
   * these emails or phones (a complaint phoned in), which would be the erased person's, is refused
   * (`refuseIfPointHeld`), so none is sealed after the erasure's last listing. Unlike the fence, a hold ends
   * (`releaseContactPoints`): afterwards the email or phone is nobody's, as dedupe takes it.
   */
  async holdContactPoints(tenantId: string, points: readonly string[]): Promise<void> {
    for (const point of new Set(points)) {
      const ref = this.pointRef(tenantId, point);
      this.holds.delete(slot(ref));
      if (!(await this.store.has(ref))) await this.create(ref, wrapDataKey(this.kek, ref, newDataKey()));
    }
  }

  /** Ends the holds of `holdContactPoints`; other processes see it within `cacheMs`. */
  async releaseContactPoints(tenantId: string, points: readonly string[]): Promise<void> {
    for (const point of new Set(points)) {
      const ref = this.pointRef(tenantId, point);
      this.holds.delete(slot(ref));
      await this.store.discard(ref);
    }
  }

  /**
   * Refuses (PERSONAL_DATA.ERASED) personal data of someone not on file given with an email or phone an erasure
   * holds (`holdContactPoints`): theirs would be the erased person's, made after the erasure listed their records.
   */
  async refuseIfPointHeld(ref: SubjectKeyRef, point: string): Promise<void> {
    const held = this.pointRef(ref.tenantId, point);
    const at = slot(held);
    let hit = this.holds.get(at);
    if (!hit || hit.until <= this.now()) {
      if (this.holds.size > 10_000) this.holds.clear();
      hit = { held: await this.store.has(held), until: this.now() + this.cacheMs };
      this.holds.set(at, hit);
    }
    if (hit.held) {
      throw new DomainError(
        PERSONAL_DATA_REFUSALS.ERASED,
        `${ref.subjectRef} names an email or phone of a person being erased: send it again once the erasure is done`,
        { record: ref.subjectRef },
      );
    }
  }

  /**
   * The subject's key, made on first use. A subject whose key was destroyed (erased) gets none: sealing refuses
   * (PERSONAL_DATA.ERASED), so a write after an erasure, or racing one, cannot make the person readable again.
   */
  async keyFor(ref: SubjectKeyRef): Promise<Buffer> {
    const cached = this.cached(ref);
    if (cached) return cached;
    const stored = await this.store.get(ref);
    const wrapped = stored ?? (await this.create(ref, wrapDataKey(this.kek, ref, newDataKey())));
    if (isErasedKey(wrapped)) {
      this.remember(ref, undefined);
      throw new DomainError(PERSONAL_DATA_REFUSALS.ERASED, `The personal data of ${ref.subjectRef} was erased`, { record: ref.subjectRef });
    }
    return this.remember(ref, unwrapDataKey(this.kek, ref, wrapped)) as Buffer;
  }

  /**
   * Refuses (PERSONAL_DATA.ERASED) personal data about a record that is erased, or whose person an erasure is under way
   * for (its fence is up): a call logged about a contact after their erasure, or while it runs, would otherwise be
   * sealed under a key of its own and read in clear. What is seen is kept for as long as keys are (`cacheMs`); an
   * erasure waits that long after raising its fence before it lists the person's records a last time.
   */
  async refuseIfErased(ref: SubjectKeyRef, about: SubjectKeyRef): Promise<void> {
    const at = slot(about);
    let hit = this.fences.get(at);
    if (!hit || hit.until <= this.now()) {
      const [own, fence] = await Promise.all([
        this.store.get(about),
        this.store.get({ tenantId: about.tenantId, subjectRef: erasureFenceRef(about.subjectRef) }),
      ]);
      if (this.fences.size > 10_000) this.fences.clear();
      hit = { erased: isErasedKey(own) || isErasedKey(fence), until: this.now() + this.cacheMs };
      this.fences.set(at, hit);
    }
    if (hit.erased) {
      if (about.subjectRef === ref.subjectRef) {
        throw new DomainError(PERSONAL_DATA_REFUSALS.ERASED, `The personal data of ${ref.subjectRef} was erased`, {
          record: ref.subjectRef,
        });
      }
      throw new DomainError(PERSONAL_DATA_REFUSALS.ERASED, `${about.subjectRef}, whom ${ref.subjectRef} is about, was erased`, {
        record: ref.subjectRef,
        about: about.subjectRef,
      });
    }
  }

  /** Raises the fence around a person's record (`refuseIfErased`), for good: it stays when the erasure is done. */
  async fence(ref: SubjectKeyRef): Promise<void> {
    const fence = { tenantId: ref.tenantId, subjectRef: erasureFenceRef(ref.subjectRef) };
    this.fences.delete(slot(ref));
    await this.store.delete(fence);
  }

  /** Forgets and removes a key nothing was sealed with durably (KeyStore.discard says when that may be). */
  async discard(ref: SubjectKeyRef): Promise<boolean> {
    this.cache.delete(slot(ref));
    return this.store.discard(ref);
  }

  /** The subject's key, or undefined once it is erased (or never existed). */
  async existingKey(ref: SubjectKeyRef): Promise<Buffer | undefined> {
    const hit = this.cache.get(slot(ref));
    if (hit && hit.until > this.now()) return hit.key;
    const wrapped = await this.store.get(ref);
    return this.remember(ref, wrapped && !isErasedKey(wrapped) ? unwrapDataKey(this.kek, ref, wrapped) : undefined);
  }

  /**
   * What the key store holds for the subject, read once: a key that opens with this KEK (`live`), a destroyed key's
   * tombstone (`erased`), nothing (`missing`), or a key that does not open (`does not open`: a row replaced, or another
   * KEK). A failure of the store itself is thrown, not taken for any of these.
   */
  async keyState(ref: SubjectKeyRef): Promise<'live' | 'erased' | 'missing' | 'does not open'> {
    const wrapped = await this.store.get(ref);
    if (wrapped === undefined) return 'missing';
    if (isErasedKey(wrapped)) return 'erased';
    try {
      unwrapDataKey(this.kek, ref, wrapped);
      return 'live';
    } catch {
      return 'does not open';
    }
  }

  /** Whether the subject's key was destroyed (its person erased); a subject that never had a key is not. */
  async isErased(ref: SubjectKeyRef): Promise<boolean> {
    const wrapped = await this.store.get(ref);
    return wrapped !== undefined && isErasedKey(wrapped);
  }

  /**
   * What an erasure left of the subject: its key destroyed (`erased`), and the fence raised around it as a person
   * (`fenced`: nothing more about them). What a copy of the store must carry over (crm-cli migrate).
   */
  async erasureOf(ref: SubjectKeyRef): Promise<{ readonly erased: boolean; readonly fenced: boolean }> {
    const [own, fence] = await Promise.all([
      this.store.get(ref),
      this.store.get({ tenantId: ref.tenantId, subjectRef: erasureFenceRef(ref.subjectRef) }),
    ]);
    return { erased: isErasedKey(own), fenced: isErasedKey(fence) };
  }

  /** Crypto-shredding: the key is gone, and with it every value sealed under it. */
  async destroy(ref: SubjectKeyRef): Promise<boolean> {
    this.forget(ref);
    return this.store.delete(ref);
  }

  forget(ref: SubjectKeyRef): void {
    this.cache.delete(slot(ref));
    this.fences.delete(slot(ref));
  }

  /** Creates made in the same turn of the event loop go to the key store together. */
  private create(ref: SubjectKeyRef, wrapped: Buffer): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.push({ ref, wrapped, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const [only] = batch;
      const stored = batch.length === 1 && only ? [await this.store.create(only.ref, only.wrapped)] : await this.store.createMany(batch);
      batch.forEach((entry, i) => entry.resolve(stored[i] as Buffer));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }

  private cached(ref: SubjectKeyRef): Buffer | undefined {
    const hit = this.cache.get(slot(ref));
    return hit && hit.key && hit.until > this.now() ? hit.key : undefined;
  }

  private remember(ref: SubjectKeyRef, key: Buffer | undefined): Buffer | undefined {
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(slot(ref), { key, until: this.now() + this.cacheMs });
    return key;
  }
}
