import { parentPort, workerData } from 'node:worker_threads';
import { describeStatus, ProjectionRunner, switchLine, type BatchReport, type ServingSnapshot } from '@crm/projections/runtime';
import { ALL_PROJECTIONS, openEventStore, openReadStore } from '@crm/platform';
import { purgeQuiesced, watchErasures } from '@crm/privacy/application';
import { appendNotifications } from '@crm/shared/event-sourcing';
import { personalDataLayer } from '@crm/shared/personal-data';
import type { FromReadSide, ReadSideWorkerData, ToReadSide } from './read-side.protocol';

/**
 * The read-side host (CRM_PROJECTIONS=run): the projections on their own thread,
 * with their own connections, so an HTTP command never waits for a batch, a
 * checkpoint or a read-model commit. The API thread learns of every change
 * through messages (see ReadSideHost).
 */
async function main(port: NonNullable<typeof parentPort>, { config, owner }: ReadSideWorkerData): Promise<void> {
  const send = (message: FromReadSide) => port.postMessage(message);
  const eventStore = await openEventStore(config);
  const readStore = await openReadStore(config, eventStore);
  let reports: BatchReport[] = [];
  let pending = false;
  const phases = new Map<string, string>();
  // One message per turn of the loop at most, however many lanes moved in it.
  const flush = () => {
    pending = false;
    const snapshot: ServingSnapshot[] = runner.snapshot();
    send({ kind: 'snapshot', snapshot });
    if (reports.length > 0) send({ kind: 'batches', reports });
    reports = [];
    const entered = (phase: string) => snapshot.filter((lane) => lane.phase === phase && phases.get(lane.name) !== phase);
    const failed = entered('failed');
    // A batch the store refused (locked, out of reach) is tried again: said once as it starts, as the projector says it.
    const retrying = entered('retrying');
    for (const lane of snapshot) phases.set(lane.name, lane.phase);
    if (failed.length > 0) void logStatuses(failed, 'error');
    if (retrying.length > 0) void logStatuses(retrying, 'warn');
  };
  const changed = () => {
    if (pending) return;
    pending = true;
    setImmediate(flush);
  };
  const logStatuses = async (lanes: readonly ServingSnapshot[], level: 'error' | 'warn') => {
    const names = lanes.map((lane) => lane.name);
    for (const status of await runner.status().catch(() => [])) {
      if (names.includes(status.name)) send({ kind: 'log', level, message: describeStatus(status) });
    }
  };
  const runner = new ProjectionRunner({
    eventStore,
    readStore,
    projections: ALL_PROJECTIONS,
    onBatch: (report) => {
      reports.push(report);
      changed();
    },
    onChange: changed,
    ownership: { ttlMs: config.leaseTtlMs, ...(owner === undefined ? {} : { owner }) },
    retireGraceMs: config.rebuildGraceMs,
    onOwnership: (name, owned, epoch) =>
      send({
        kind: 'log',
        level: 'log',
        message: owned ? `took over ${name} (lease epoch ${epoch})` : `${name} is run by another process now`,
      }),
    onSwitch: (switched) => send({ kind: 'log', level: 'log', message: switchLine(switched) }),
  });
  const keys = personalDataLayer(eventStore)?.keys;
  // Erasures this thread's barrier purged already (the API thread asked): the log's record of them is not purged twice.
  const purged = new Set<string>();
  const erasures = await watchErasures({
    eventStore,
    readStore,
    keys,
    runner,
    handled: (erasure) => purged.delete(erasure),
    log: (message) => send({ kind: 'log', level: 'log', message }),
  });
  const notifications = appendNotifications(eventStore);
  let stopping: Promise<void> | undefined;
  port.on('message', (message: ToReadSide) => {
    switch (message.kind) {
      case 'wake':
        notifications?.wake(message.appended);
        return;
      case 'status':
        runner.status().then(
          (status) => send({ kind: 'status', id: message.id, status }),
          (error: unknown) => send({ kind: 'status', id: message.id, error: String(error) }),
        );
        return;
      case 'purge':
        if (message.request.erasure !== undefined) purged.add(message.request.erasure);
        purgeQuiesced(runner, readStore, eventStore, keys, message.request).then(
          (rewritten) => send({ kind: 'purged', id: message.id, rewritten }),
          (error: unknown) => send({ kind: 'purged', id: message.id, error: String(error) }),
        );
        return;
      case 'stop':
        stopping ??= (async () => {
          // The runner's subscriptions use both stores: it stops first.
          await erasures.stop();
          await runner.stop();
          flush();
          await readStore.close();
          await eventStore.close();
          send({ kind: 'stopped' });
          port.close();
        })();
        return;
    }
  });
  await runner.start();
  send({ kind: 'started', snapshot: runner.snapshot() });
}

if (parentPort) {
  const port = parentPort;
  main(port, workerData as ReadSideWorkerData).catch((error: unknown) => {
    port.postMessage({
      kind: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies FromReadSide);
  });
}
