// Worker thread of demoHistoryBatches: decides the demo history and posts it batch by batch, at most
// `ahead` batches in front of the writer (a shared counter the writer decrements as it takes them).
import { parentPort, workerData } from 'node:worker_threads';
import { historyBatches, type WorkerInput, type WorkerMessage } from './history-batches';

const input = workerData as WorkerInput;
const port = parentPort;
if (port) {
  const outstanding = new Int32Array(input.outstanding);
  const post = (message: WorkerMessage) => port.postMessage(message);
  try {
    for (const batch of historyBatches(input.options, input.batchEvents)) {
      for (let seen = Atomics.load(outstanding, 0); seen >= input.ahead; seen = Atomics.load(outstanding, 0)) {
        Atomics.wait(outstanding, 0, seen);
      }
      Atomics.add(outstanding, 0, 1);
      post({ batch });
    }
    post({ done: true });
  } catch (error) {
    post({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}
