import { randomBytes } from 'node:crypto';
import { accountDecider } from '@crm/sales/domain';
import {
  ConcurrencyConflictError,
  loadState,
  streamCategory,
  WrongExpectedRevisionError,
  type EventStore,
  type StreamAppend,
} from '@crm/shared/event-sourcing';
import { CommandExecutor, type CommandContext } from '@crm/shared/http';
import { BlindIndex } from '@crm/shared/personal-data';
import { accountStream } from '../../common/streams';
import { salesWorld, sealingSalesWorld } from '../../testing/fixtures';
import { OpenAccountCommand } from '../open-account/open-account.command';
import { OpenAccountHandler } from '../open-account/open-account.handler';
import { UpdateAccountCommand } from '../update-account/update-account.command';
import { UpdateAccountHandler } from '../update-account/update-account.handler';
import { NATIONAL_ID_CATEGORY, nationalIdClaimKey, nationalIdStream } from './national-id-claim';

// One server secret, as every process of one installation shares.
const INDEX = new BlindIndex(randomBytes(32));
/** A company's شناسه ملی and a person's کد ملی, both with their check digits right. */
const COMPANY = '10100123456';
const COMPANY_IN_PERSIAN = '۱۰۱۰۰۱۲۳۴۵۶';
const OTHER_COMPANY = '14100345671';
const PERSON = '0012345679';

interface World {
  readonly executor: CommandExecutor;
  context(): CommandContext;
}

function accountsOf(world: World) {
  const open = (data: { id?: string; name?: string; nationalId?: string }, context = world.context()) =>
    new OpenAccountHandler(world.executor, INDEX).execute(new OpenAccountCommand({ name: 'شرکت نمونه', ...data }, context));
  const update = (id: string, data: { nationalId?: string; name?: string }, context = world.context()) =>
    new UpdateAccountHandler(world.executor, INDEX).execute(new UpdateAccountCommand(id, data, context));
  const decide = (id: string, command: Parameters<typeof accountDecider.decide>[0]) =>
    world.executor.execute(accountDecider, accountStream(id), command, world.context());
  const close = (id: string) =>
    decide(id, { type: 'CloseAccount', data: { accountId: id, reason: 'merged', closedAt: '2026-01-10T10:00:00Z' } });
  const reopen = (id: string) => decide(id, { type: 'ReopenAccount', data: { accountId: id, reopenedAt: '2026-01-10T11:00:00Z' } });
  return { open, update, close, reopen };
}

describe('no two accounts with one national id', () => {
  it('refuses a second account with the id in another digit script, naming the first, and records nothing', async () => {
    const world = salesWorld();
    const { open } = accountsOf(world);
    const first = await open({ nationalId: COMPANY });
    const head = await world.store.headPosition();
    await expect(open({ nationalId: COMPANY_IN_PERSIAN, name: 'نمونه' })).rejects.toMatchObject({
      code: 'ACCOUNT.DUPLICATE',
      details: { existingAccountId: first.id, fields: ['nationalId'] },
    });
    expect(await world.store.headPosition()).toBe(head);
    // Other ids, and no id at all, are not held by it.
    await expect(open({ nationalId: PERSON })).resolves.toMatchObject({ revision: 0 });
    await expect(open({})).resolves.toMatchObject({ revision: 0 });
    await expect(open({})).resolves.toMatchObject({ revision: 0 });
  });

  it('keeps the id with a closed account (reopen it instead), and frees it when the account moves to another id', async () => {
    const world = salesWorld();
    const { open, update, close, reopen } = accountsOf(world);
    const first = await open({ nationalId: COMPANY });
    await close(first.id);
    await expect(open({ nationalId: COMPANY })).rejects.toMatchObject({
      code: 'ACCOUNT.DUPLICATE',
      details: { existingAccountId: first.id },
    });
    await reopen(first.id);
    await update(first.id, { nationalId: OTHER_COMPANY });
    const second = await open({ nationalId: COMPANY });
    // The first account takes its old id back: the second has it now.
    await expect(update(first.id, { nationalId: COMPANY })).rejects.toMatchObject({
      code: 'ACCOUNT.DUPLICATE',
      details: { existingAccountId: second.id },
    });
    await expect(open({ nationalId: OTHER_COMPANY })).rejects.toMatchObject({ details: { existingAccountId: first.id } });
    // An update that keeps the id, or changes something else, claims nothing and is not refused by its own claim.
    await expect(update(second.id, { nationalId: COMPANY, name: 'نام تازه' })).resolves.toMatchObject({ revision: 1 });
  });

  it('refuses an update to an id another account has, recording neither the change nor a claim', async () => {
    const world = salesWorld();
    const { open, update } = accountsOf(world);
    const first = await open({ nationalId: COMPANY });
    const second = await open({ nationalId: OTHER_COMPANY });
    const head = await world.store.headPosition();
    await expect(update(second.id, { nationalId: COMPANY_IN_PERSIAN })).rejects.toMatchObject({
      code: 'ACCOUNT.DUPLICATE',
      details: { existingAccountId: first.id },
    });
    expect(await world.store.headPosition()).toBe(head);
    const state = await loadState(world.store, accountDecider, accountStream(second.id), 'default');
    expect(state.status === 'active' && state.account.nationalId).toBe(OTHER_COMPANY);
  });

  it('answers a retried request from its record, not as a duplicate of itself', async () => {
    const world = salesWorld();
    const { open } = accountsOf(world);
    const context = world.context();
    const first = await open({ nationalId: COMPANY }, context);
    await expect(open({ nationalId: COMPANY }, context)).resolves.toEqual(first);
  });

  it('lets exactly one of several concurrent openings with one id through', async () => {
    const world = salesWorld();
    const { open } = accountsOf(world);
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => open({ nationalId: COMPANY })));
    const opened = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.id] : []));
    expect(opened).toHaveLength(1);
    const refusals = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [outcome.reason as { code: string; details: unknown }] : [],
    );
    expect(refusals.map((refusal) => refusal.code)).toEqual(Array(5).fill('ACCOUNT.DUPLICATE'));
    expect(refusals.map((refusal) => refusal.details)).toEqual(Array(5).fill({ fields: ['nationalId'], existingAccountId: opened[0] }));
  });

  it('refuses an opening whose append meets a claim committed by another process after it read, and records nothing', async () => {
    const world = sealingSalesWorld();
    let otherId = '';
    const { executor, raced } = world.racing(async () => {
      // Another process opens an account with the id between this one's read of the claims and its append.
      otherId = (await accountsOf({ ...world, context: world.fresh }).open({ nationalId: PERSON })).id;
    });
    const racing = accountsOf({ ...world, executor, context: world.fresh });
    const refusal = await racing.open({ nationalId: PERSON }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'ACCOUNT.DUPLICATE', details: { existingAccountId: otherId } });
    expect(raced.times).toBe(1);
    const accounts = (await world.inner.readAll()).events.filter((event) => event.type === 'AccountOpened');
    expect(accounts.map((event) => event.streamId)).toEqual([accountStream(otherId)]);
    // Its first attempt sealed the refused account's name and id under a new key: the key goes with the refusal.
    expect((await world.keyStore.refsStartingWith('account-')).map((ref) => ref.subjectRef)).toEqual([accountStream(otherId)]);
  });

  it('refuses an account taking back its old id when another took it after the read (its claim is appended, not skipped)', async () => {
    // An outside probe: the account was the newest claimant of its old id, its claim decided nothing, and the append
    // did not check the claim stream; an opening racing it landed too, and two accounts had the id.
    const world = sealingSalesWorld();
    const { open, update } = accountsOf({ ...world, context: world.fresh });
    const first = await open({ nationalId: PERSON });
    await update(first.id, { nationalId: COMPANY });
    let otherId = '';
    const { executor } = world.racing(async () => {
      otherId = (await accountsOf({ ...world, context: world.fresh }).open({ nationalId: PERSON })).id;
    });
    const refusal = await accountsOf({ ...world, executor, context: world.fresh })
      .update(first.id, { nationalId: PERSON })
      .catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'ACCOUNT.DUPLICATE', details: { existingAccountId: otherId } });
    const state = await loadState(world.store, accountDecider, accountStream(first.id), 'default');
    expect(state.status === 'active' && state.account.nationalId).toBe(COMPANY);
  });

  it("reports a claim stream that kept moving as the account's conflict (409), pinned by If-Match or not, never naming it", async () => {
    const world = salesWorld();
    const { open } = accountsOf(world);
    const first = await open({ nationalId: COMPANY });
    // Another writer appends to the id's claim stream before every append of this one.
    const claims = nationalIdStream(nationalIdClaimKey(INDEX, 'default', PERSON));
    const busy: EventStore = Object.create(world.store, {
      appendToStreams: {
        value: (appends: readonly StreamAppend[], options?: { tenantId?: string }) =>
          appends.some((append) => append.streamId === claims)
            ? Promise.reject(new WrongExpectedRevisionError(claims, 'no_stream', 0))
            : world.store.appendToStreams(appends, options),
      },
    }) as EventStore;
    const moving = accountsOf({ executor: new CommandExecutor(busy, world.clock, world.store), context: world.context });
    for (const attempt of [
      () => moving.open({ nationalId: PERSON }),
      () => moving.update(first.id, { nationalId: PERSON }),
      () => moving.update(first.id, { nationalId: PERSON }, { ...world.context(), expectedRevision: 0 }),
    ]) {
      const error = await attempt().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConcurrencyConflictError);
      expect((error as { streamId: string }).streamId).toMatch(/^account-[0-9a-f-]{36}$/);
      expect((error as Error).message).not.toContain(NATIONAL_ID_CATEGORY);
    }
  });

  it('names claim streams and records by a keyed blind index of tenant and id, never the id itself', async () => {
    const world = salesWorld();
    const { open } = accountsOf(world);
    await open({ nationalId: COMPANY });
    const claims = (await world.store.readAll()).events.filter((event) => streamCategory(event.streamId) === NATIONAL_ID_CATEGORY);
    expect(claims.map((event) => event.type)).toEqual(['AccountNationalIdClaimed']);
    const claim = claims[0];
    expect(claim?.streamId).toBe(nationalIdStream(nationalIdClaimKey(INDEX, 'default', COMPANY)));
    expect(JSON.stringify(claim)).not.toContain(COMPANY);
    expect(JSON.stringify(claim)).not.toContain(COMPANY.slice(0, 6));
    // Another tenant, or another installation's secret, names another stream.
    expect(nationalIdClaimKey(INDEX, 'other', COMPANY)).not.toBe(nationalIdClaimKey(INDEX, 'default', COMPANY));
    expect(nationalIdClaimKey(new BlindIndex(randomBytes(32)), 'default', COMPANY)).not.toBe(nationalIdClaimKey(INDEX, 'default', COMPANY));
  });

  it('refuses an invalid id as the decider does (400, nothing recorded), with no claim', async () => {
    const world = salesWorld();
    const { open } = accountsOf(world);
    await expect(open({ nationalId: '10100123457' })).rejects.toMatchObject({ code: 'ACCOUNT.NATIONAL_ID_INVALID' });
    expect(await world.store.headPosition()).toBeUndefined();
  });
});
