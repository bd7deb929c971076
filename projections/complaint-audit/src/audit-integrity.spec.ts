import { InMemoryEventStore, type RecordedEvent } from '@crm/shared/event-sourcing';
import { auditIntegrity } from './audit-integrity';
import { commands, history, HOUR, recorded, step } from './complaint-history.fixture';

const c = commands('c-9');

const recordedStream = () =>
  recorded(
    new InMemoryEventStore(),
    'c-9',
    history('c-9', [step(0, c.receive), step(HOUR, c.acknowledge), step(2 * HOUR, c.assess('low'))]),
  );

const stepsOf = (events: readonly RecordedEvent[]) =>
  events.map((e) => ({ revision: e.revision, type: e.type, hash: e.metadata.hash, prevHash: e.metadata.prevHash }));

describe('auditIntegrity', () => {
  it('is ok when the chain verifies and every step carries its event’s hashes', async () => {
    const stream = await recordedStream();
    expect(auditIntegrity(stepsOf(stream), stream)).toEqual({ ok: true, checked: 3, lastHash: stream[2]?.metadata.hash });
  });

  it('verifies events the trail has not reached yet without requiring them in it', async () => {
    const stream = await recordedStream();
    expect(auditIntegrity(stepsOf(stream).slice(0, 1), stream)).toMatchObject({ ok: true, checked: 3 });
  });

  it('names the first revision whose content no longer matches its hash', async () => {
    const stream = await recordedStream();
    const tampered = stream.map((e) => (e.revision === 1 ? { ...e, data: { ...e.data, acknowledgedAt: '2025-03-01T06:31:00.000Z' } } : e));
    expect(auditIntegrity(stepsOf(stream), tampered)).toEqual({ ok: false, checked: 1, brokenAtRevision: 1, reason: 'hash_mismatch' });
  });

  it('names a deleted event as a revision gap', async () => {
    const stream = await recordedStream();
    const gapped = stream.filter((e) => e.revision !== 1);
    expect(auditIntegrity(stepsOf(stream), gapped)).toMatchObject({ ok: false, brokenAtRevision: 2, reason: 'revision_gap' });
  });

  it('reports a trail that disagrees with an intact stream', async () => {
    const stream = await recordedStream();
    const steps = stepsOf(stream).map((s) => (s.revision === 2 ? { ...s, hash: 'forged' } : s));
    expect(auditIntegrity(steps, stream)).toEqual({ ok: false, checked: 3, brokenAtRevision: 2, reason: 'read_model_mismatch' });
    expect(auditIntegrity(stepsOf(stream), stream.slice(0, 2))).toMatchObject({
      ok: false,
      brokenAtRevision: 2,
      reason: 'read_model_mismatch',
    });
  });
});
