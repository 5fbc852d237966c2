/**
 * A worker process for the queue tests: `node --import tsx worker.ts <store-url> <mode> <job-name>
 * <lease-seconds> [sleep-ms]`. Prints "ready" once working, then one line per job:
 * - mode "hang": records the start in queue_test_starts, prints "claimed <id> <attempt>", never finishes
 *   (the test kills it with SIGKILL);
 * - mode "complete": records the run in queue_test_runs, sleeps, prints "completed <id> <attempt>".
 * SIGTERM stops the queue and closes the store.
 */
import type { Kysely } from 'kysely';
import { silentLogger } from '../../../log.ts';
import { openStore } from '../../../store/index.ts';
import { openQueue } from '../index.ts';

const [url, mode, name, lease, sleepMs] = process.argv.slice(2);
if (!url || !mode || !name || !lease) {
  process.stderr.write('usage: worker.ts <store-url> <hang|complete> <job-name> <lease-seconds> [sleep-ms]\n');
  process.exit(2);
}
const store = await openStore(url);
const db = store.db as unknown as Kysely<any>;
const queue = await openQueue(store, { log: silentLogger(), pollSeconds: 0.1, sweepSeconds: 1, leaseSeconds: Number(lease), stopTimeoutSeconds: 5 });

await queue.work(name, { concurrency: 2, leaseSeconds: Number(lease) }, async (job) => {
  if (mode === 'hang') {
    await db.insertInto('queue_test_starts').values({ job_id: job.id, attempt: job.attempt, pid: process.pid }).execute();
    process.stdout.write(`claimed ${job.id} ${job.attempt}\n`);
    await new Promise(() => undefined);
  }
  await db.insertInto('queue_test_runs').values({ job_id: job.id, attempt: job.attempt, pid: process.pid }).execute();
  await new Promise((r) => setTimeout(r, Number(sleepMs ?? 0)));
  process.stdout.write(`completed ${job.id} ${job.attempt}\n`);
});
process.stdout.write('ready\n');

process.on('SIGTERM', () => {
  void (async () => {
    await queue.stop();
    await store.close();
    process.exit(0);
  })();
});
