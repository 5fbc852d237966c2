// bench/walk-thread — runs bench/walk-child as the CLI runs a scan (src/engine/scan-thread.ts
// newScanWorker): one CommonJS file in a worker thread, through V8's code cache
// (src/engine/thread-loader.cjs), so that bench/scan.ts times the walk as `vigil scan` runs it.
//   node bench/walk-thread.mjs <walk-child.cjs> <cache dir> <walk-child's arguments…>
// The cache is the bench's own (a directory it made), named as a scan's ("bench-walk-…").
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const [bundle, cacheDir, ...argv] = process.argv.slice(2);
const loader = fileURLToPath(new URL('../src/engine/thread-loader.cjs', import.meta.url));
const w = new Worker(loader, { argv, workerData: { bundle, cacheDir, cacheName: 'bench-walk' } });
w.on('error', (err) => {
  console.error(`walk-thread: ${err.stack ?? err}`);
  process.exitCode = 1;
});
