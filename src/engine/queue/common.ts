/**
 * What both queue implementations share: input checks, option defaults, and the every-N-seconds
 * scheduler over the `job_schedules` table.
 */
import type { Kysely } from 'kysely';
import { VigilError } from '../../model/index.ts';
import type { Logger } from '../../log.ts';
import type { Database } from '../../store/index.ts';
import type { SendOptions, WorkOptions } from './types.ts';

/** pg-boss's queue-name rule, applied to both so a name that works embedded works at scale. */
const NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** @throws VigilError VIGIL_INVALID_INPUT */
export function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new VigilError('VIGIL_INVALID_INPUT', `invalid job name ${JSON.stringify(name)}: letters, digits, "_" and "-" only, 1 to 100 characters`, { input: name, rule: 'job-name' });
  }
}

export interface ResolvedSend {
  singletonKey: string | null;
  startAfter: Date;
  retryLimit: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
}

/** @throws VigilError VIGIL_INVALID_INPUT */
export function resolveSend(name: string, data: unknown, opts: SendOptions = {}): ResolvedSend {
  checkName(name);
  if (data === null || typeof data !== 'object') {
    throw new VigilError('VIGIL_INVALID_INPUT', `job ${name}: data must be a JSON object or array`, { input: name, rule: 'job-data' });
  }
  const retryLimit = opts.retryLimit ?? 2;
  const retryDelaySeconds = opts.retryDelaySeconds ?? 5;
  if (!Number.isInteger(retryLimit) || retryLimit < 0) bad(name, 'retryLimit', 'a whole number >= 0');
  if (!Number.isInteger(retryDelaySeconds) || retryDelaySeconds < 0) bad(name, 'retryDelaySeconds', 'a whole number >= 0');
  if (opts.startAfter !== undefined && Number.isNaN(opts.startAfter.getTime())) bad(name, 'startAfter', 'a valid date');
  if (opts.singletonKey !== undefined && opts.singletonKey.length === 0) bad(name, 'singletonKey', 'non-empty');
  return {
    singletonKey: opts.singletonKey ?? null,
    startAfter: opts.startAfter ?? new Date(),
    retryLimit,
    retryDelaySeconds,
    retryBackoff: (opts.retryBackoff ?? true) && retryDelaySeconds > 0,
  };
}

export function resolveWork(name: string, opts: WorkOptions, defaults: { leaseSeconds: number; pollSeconds: number }): { concurrency: number; leaseSeconds: number; pollSeconds: number } {
  checkName(name);
  const concurrency = opts.concurrency ?? 1;
  const leaseSeconds = opts.leaseSeconds ?? defaults.leaseSeconds;
  const pollSeconds = opts.pollSeconds ?? defaults.pollSeconds;
  if (!Number.isInteger(concurrency) || concurrency < 1) bad(name, 'concurrency', 'a whole number >= 1');
  if (!(leaseSeconds >= 1)) bad(name, 'leaseSeconds', '>= 1');
  if (!(pollSeconds > 0)) bad(name, 'pollSeconds', '> 0');
  return { concurrency, leaseSeconds, pollSeconds };
}

function bad(name: string, option: string, rule: string): never {
  throw new VigilError('VIGIL_INVALID_INPUT', `job ${name}: ${option} must be ${rule}`, { input: name, rule: `job-${option}` });
}

/** The retry delay after `attempt` failed, in seconds (capped at an hour). */
export function retryDelay(attempt: number, delaySeconds: number, backoff: boolean): number {
  if (!backoff) return delaySeconds;
  return Math.min(3600, delaySeconds * 2 ** Math.max(0, attempt - 1));
}

type Send = (name: string, data: object, opts: SendOptions) => Promise<string | null>;

/**
 * Fires due schedules. Every process with a queue may tick; a compare-and-set on next_run_at lets
 * exactly one of them send each period, and the singleton key keeps runs from piling up behind a
 * slow worker.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(private readonly db: Kysely<Database>, private readonly send: Send, private readonly log: Logger,
    private readonly tickMs: number, private readonly extra?: () => Promise<void>) {}

  async upsert(name: string, everySeconds: number, data: object): Promise<void> {
    checkName(name);
    if (!Number.isInteger(everySeconds) || everySeconds < 1) bad(name, 'everySeconds', 'a whole number >= 1');
    const now = new Date();
    const json = JSON.stringify(data);
    const existing = await this.db.selectFrom('job_schedules').selectAll().where('name', '=', name).executeTakeFirst();
    if (!existing) {
      await this.db.insertInto('job_schedules')
        .values({ name, every_seconds: everySeconds, data: json, next_run_at: now.toISOString(), updated_at: now.toISOString() })
        .onConflict((oc) => oc.column('name').doUpdateSet({ every_seconds: everySeconds, data: json, updated_at: now.toISOString() }))
        .execute();
    } else {
      // a shorter period takes effect now, not after the old, longer one
      const sooner = new Date(now.getTime() + everySeconds * 1000).toISOString();
      await this.db.updateTable('job_schedules')
        .set({ every_seconds: everySeconds, data: json, updated_at: now.toISOString(), next_run_at: sooner < existing.next_run_at ? sooner : existing.next_run_at })
        .where('name', '=', name).execute();
    }
    this.start();
    void this.tick();
  }

  async remove(name: string): Promise<void> {
    await this.db.deleteFrom('job_schedules').where('name', '=', name).execute();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  tick(): Promise<void> {
    if (this.ticking) return this.ticking;
    this.ticking = this.fire().catch((err) => {
      this.log.error({ err: (err as Error).message }, 'job schedule tick failed');
    }).finally(() => { this.ticking = null; });
    return this.ticking;
  }

  private async fire(): Promise<void> {
    const now = Date.now();
    const due = await this.db.selectFrom('job_schedules').selectAll().where('next_run_at', '<=', new Date(now).toISOString()).execute();
    for (const s of due) {
      const next = new Date(now + s.every_seconds * 1000).toISOString();
      const won = await this.db.updateTable('job_schedules').set({ next_run_at: next })
        .where('name', '=', s.name).where('next_run_at', '=', s.next_run_at).executeTakeFirst();
      if (Number(won.numUpdatedRows) !== 1) continue;
      await this.send(s.name, JSON.parse(s.data) as object, { singletonKey: `schedule:${s.name}` });
    }
    await this.extra?.();
  }
}
