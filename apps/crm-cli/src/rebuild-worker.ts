// A worker thread of `crm-cli rebuild all` (rebuild-threads.ts): opens the stores the environment names, rebuilds
// its group of projections from one scan of the log, and reports progress and results to the command's thread.
import { parentPort, workerData } from 'node:worker_threads';
import { withStores } from './context';
import { selectProjections } from './projections';
import { rebuildGroup, SCAN_PAGE_CACHE_KIB, type WorkerInput, type WorkerMessage } from './rebuild-threads';

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('rebuild-worker runs as a worker thread');
const send = (message: WorkerMessage) => port.postMessage(message);

let stop: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => (stop = resolve));
port.on('message', (message: unknown) => {
  if (message === 'stop') stop();
});

const projections = input.names.flatMap((name) => selectProjections(name));

withStores(
  { env: input.env },
  (stores) => rebuildGroup(projections, stores, (progress) => send({ kind: 'progress', ...progress }), interrupted),
  { eventStoreUse: { sqlitePageCacheKib: SCAN_PAGE_CACHE_KIB } },
).then(
  ({ results, interrupted: wasInterrupted }) => {
    send({ kind: 'done', results, interrupted: wasInterrupted });
    port.close();
  },
  (error: unknown) => {
    send({ kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    port.close();
  },
);
