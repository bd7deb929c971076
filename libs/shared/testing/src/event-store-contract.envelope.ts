import {
  handleCommand,
  IdempotencyConflictError,
  verifyChain,
  type Decider,
  type EventMetadata,
  type EventToAppend,
} from '@crm/shared/event-sourcing';
import { newId } from '@crm/shared/kernel';
import type { ContractContext } from './event-store-contract';
import { aStream } from './event-fixtures';

type Note = { count: number };
type Write = { type: 'Write'; data: { text: string } };
type Erase = { type: 'Erase'; data: { text: string } };
type Written = { type: 'Written'; data: { text: string } };
const notes: Decider<Note, Write | Erase, Written> = {
  initialState: () => ({ count: 0 }),
  decide: (command) => [{ type: 'Written', data: { text: command.data.text } }],
  evolve: (state) => ({ count: state.count + 1 }),
};

/**
 * Every field of the envelope, each with a value that a lossy mapping would
 * change: `Required` makes a new field of EventMetadata fail to compile here
 * until it is given a value, so the round trip below covers it too.
 */
export function everyMetadataField(overrides: Partial<EventMetadata> = {}): Required<Omit<EventMetadata, 'prevHash' | 'hash'>> {
  const commandId = newId();
  return {
    eventId: newId(),
    commandId,
    correlationId: `corr-${commandId}`,
    causationId: `cause-${commandId}`,
    actor: { id: 'svc-erp', roles: ['sales', 'تحلیلگر'], onBehalfOf: 'user-7' },
    tenantId: 'default',
    occurredAt: '2026-03-21T00:30:00.123Z',
    schemaVersion: 3,
    commandType: 'QualifyLead',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    requestFingerprint: 'Qx3-kYk0h8n1t_4mFq2uK9sVdJpLwE7rTzUaBcDeFgH',
    ...overrides,
  };
}

export function describeEnvelopeContract({ store }: ContractContext): void {
  describe('the event envelope', () => {
    it('gives back every metadata field exactly as it was appended, on both append paths', async () => {
      const single = { type: 'Enveloped', data: { n: 1 }, metadata: everyMetadataField() } satisfies EventToAppend;
      const multi = { type: 'Enveloped', data: { n: 2 }, metadata: everyMetadataField() } satisfies EventToAppend;
      const [one, two] = [aStream('envelope'), aStream('envelope')];
      await store().appendToStream(one, [single]);
      await store().appendToStreams([
        { streamId: two, events: [multi] },
        { streamId: aStream('other'), events: [{ ...single, metadata: everyMetadataField() }] },
      ]);
      for (const [streamId, sent] of [
        [one, single],
        [two, multi],
      ] as const) {
        const [read] = await store().readStream(streamId);
        const { prevHash, hash, ...rest } = read?.metadata ?? ({} as EventMetadata);
        expect(rest).toStrictEqual(sent.metadata);
        expect(typeof prevHash).toBe('string');
        expect(typeof hash).toBe('string');
        expect(await store().findEvent(sent.metadata.eventId)).toMatchObject({ metadata: sent.metadata });
        const [viaAll] = (await store().readAll({ filter: { categories: ['envelope'] } })).events.filter((e) => e.streamId === streamId);
        expect(viaAll?.metadata).toStrictEqual(read?.metadata);
      }
    });

    it('reads back what handleCommand wrote with an intact hash chain, and refuses a reused command id for another command', async () => {
      const streamId = aStream('note');
      const actor = { id: 'svc-web', roles: ['sales'], onBehalfOf: 'user-9' };
      const commandId = newId();
      await handleCommand(store(), notes, streamId, { type: 'Write', data: { text: 'سلام' } }, { commandId, actor });
      await handleCommand(store(), notes, streamId, { type: 'Write', data: { text: 'again' } }, { actor });
      const read = await store().readStream(streamId);
      expect(read.map((e) => e.metadata.commandType)).toEqual(['Write', 'Write']);
      expect(verifyChain(read)).toMatchObject({ ok: true, checked: 2 });
      const retried = await handleCommand(store(), notes, streamId, { type: 'Write', data: { text: 'سلام' } }, { commandId, actor });
      expect(retried.duplicate).toBe(true);
      await expect(
        handleCommand(store(), notes, streamId, { type: 'Erase', data: { text: 'سلام' } }, { commandId, actor }),
      ).rejects.toBeInstanceOf(IdempotencyConflictError);
      expect(await store().streamRevision(streamId)).toBe(1);
    });
  });
}
