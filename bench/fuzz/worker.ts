/**
 * Runs a range of fuzz cases of one family in a worker thread. The index of the case in progress
 * is kept in shared memory, so the parent can tell a hang (the index stops moving) from progress
 * and terminate the worker without any cooperation from it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runCases, type WorkerData } from './cases.ts';

const data = workerData as WorkerData;
const current = new Int32Array(data.shared);
runCases(data, {
  onCase: (i) => Atomics.store(current, 0, i),
  post: (m) => parentPort!.postMessage(m),
}).then(
  () => process.exit(0),
  (err) => {
    parentPort!.postMessage({ t: 'fatal', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  },
);
