/**
 * The worker pool both queue implementations share: poll, claim up to the free slots, run the
 * handler with a heartbeat that extends the lease, then complete or fail — each fenced by the claim,
 * so a worker that lost its lease never completes a job that another worker has since claimed.
 */
import type { Logger } from '../../log.ts';
import type { ClaimedJob, JobHandler, QueueBackend } from './types.ts';

export interface RunnerOptions {
  concurrency: number;
  leaseSeconds: number;
  pollSeconds: number;
}

/** One work() call: `concurrency` slots for one job name. */
export class Runner {
  private stopping = false;
  private readonly running = new Map<string, AbortController>();
  private wakeUp: (() => void) | null = null;
  /** a wake() that came while not idle (mid-claim): the next idle() returns at once */
  private woken = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly backend: QueueBackend,
    readonly name: string,
    private readonly opts: RunnerOptions,
    private readonly handler: JobHandler<any>,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop = this.poll();
  }

  /** A job was sent or a slot freed: look now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * Stops claiming and waits up to `timeoutMs` for running handlers; then aborts the rest and
   * returns. Their jobs stay active and run again once their leases run out.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0 && Date.now() < deadline) await sleep(50);
    for (const c of this.running.values()) c.abort(new Error('queue stopped'));
    if (this.running.size > 0) {
      this.log.warn({ queue: this.name, jobs: [...this.running.keys()] }, 'stopped with jobs still running; they run again after their leases');
    }
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      this.woken = false;
      const free = this.opts.concurrency - this.running.size;
      let got = 0;
      if (free > 0) {
        try {
          const jobs = await this.backend.claim(this.name, free, this.opts.leaseSeconds);
          got = jobs.length;
          for (const job of jobs) this.run(job);
        } catch (err) {
          this.log.error({ queue: this.name, err: (err as Error).message }, 'claiming jobs failed');
        }
      }
      // a full batch means there may be more: go again as soon as a slot is free
      if (got > 0 && got === free) {
        if (this.running.size >= this.opts.concurrency) await this.idle(this.opts.pollSeconds * 1000);
        continue;
      }
      if (!this.stopping) await this.idle(this.opts.pollSeconds * 1000);
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.wakeUp = null;
        self.woken = false;
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private run(job: ClaimedJob): void {
    const controller = new AbortController();
    this.running.set(job.id, controller);
    let lost = false;
    let paused = false;
    const beat = setInterval(() => {
      if (paused) return;
      this.backend.heartbeat(job, this.opts.leaseSeconds).then((ok) => {
        if (!ok && !lost) {
          lost = true;
          controller.abort(new Error(`lease on job ${job.id} lost`));
        }
      }, (err) => this.log.warn({ queue: this.name, job: job.id, err: (err as Error).message }, 'heartbeat failed'));
    }, Math.max(100, (this.opts.leaseSeconds * 1000) / 3));

    const finish = async (error: string | null): Promise<void> => {
      clearInterval(beat);
      if (lost) {
        this.log.warn({ queue: this.name, job: job.id }, 'job finished after its lease was lost; result dropped');
        return;
      }
      const ok = error === null ? await this.backend.complete(job) : await this.backend.fail(job, error);
      if (!ok) this.log.warn({ queue: this.name, job: job.id }, 'job finished after its lease was lost; result dropped');
      else if (error !== null) this.log.warn({ queue: this.name, job: job.id, attempt: job.attempt, err: error }, 'job failed');
    };

    void (async () => {
      let error: string | null = null;
      try {
        await this.handler({ id: job.id, name: job.name, data: job.data, attempt: job.attempt, signal: controller.signal, pauseHeartbeat: (p) => { paused = p; } });
      } catch (err) {
        error = err instanceof Error ? err.message || err.name : String(err);
      }
      try {
        await finish(error);
      } catch (err) {
        this.log.error({ queue: this.name, job: job.id, err: (err as Error).message }, 'recording the job result failed; it runs again after its lease');
      } finally {
        this.running.delete(job.id);
        this.wake();
      }
    })();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
