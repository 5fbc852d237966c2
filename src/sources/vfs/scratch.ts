/**
 * Scratch directories: where a scan puts what it has to write out (decompressed layers, a git
 * checkout, an uploaded function's zips). Each is `<tmpdir>/vigil-<kind>-XXXXXX` and holds an owner
 * marker (`.vigil-owner`: the pid and start time of the process that made it, and the thread's id), so that
 * {@link cleanStaleScratch} can remove the directories a killed process left behind (tenant code
 * included) without touching a live process's: at `vigil server`/`vigil worker` start-up, and by the
 * isolated scan runner after it killed a scan process or thread.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const PREFIX = 'vigil-';
/** the kinds of scratch directory Vigil makes: vigil-scan-*, vigil-fn-* */
const SCRATCH_NAME = /^vigil-(scan|fn)-[A-Za-z0-9]{6}$/;
const MARKER = '.vigil-owner';
/** a directory without a marker (an older Vigil's, or one being made right now) is stale only after this long */
const UNMARKED_STALE_MS = 24 * 3_600_000;

/** when this process started (ms since the epoch; in the marker for whoever looks at it) */
const STARTED_AT = Math.round(Date.now() - process.uptime() * 1000);

/** Makes `<parent>/vigil-<kind>-XXXXXX` with this process's owner marker. */
export async function makeScratchDir(kind: 'scan' | 'fn', parent: string = tmpdir()): Promise<string> {
  const dir = await mkdtemp(join(parent, `${PREFIX}${kind}-`));
  await writeFile(join(dir, MARKER), `${process.pid} ${STARTED_AT} ${threadId}\n`, { mode: 0o600 });
  return dir;
}

/** A per-scan scratch directory, created on first use and removed by dispose(). */
export class Scratch {
  private dir: Promise<string> | null = null;
  private n = 0;
  constructor(private readonly parent: string = tmpdir()) {}

  /** the directory, created on first call */
  path(): Promise<string> {
    this.dir ??= makeScratchDir('scan', this.parent);
    return this.dir;
  }

  /** a fresh file name inside the directory */
  async file(): Promise<string> {
    return join(await this.path(), `c${(this.n++).toString(36)}`);
  }

  get created(): boolean {
    return this.dir !== null;
  }

  async dispose(): Promise<void> {
    if (!this.dir) return;
    const d = await this.dir.catch(() => null);
    this.dir = null;
    if (d) await rm(d, { recursive: true, force: true });
  }
}

/**
 * Is the process that wrote a marker still running? A pid that is alive counts as the owner even if
 * it was reused by a later process: a directory left a little longer is better than a live scan's
 * directory removed.
 */
function ownerAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

export interface CleanScratchOptions {
  /** where to look (default the OS temp directory) */
  parent?: string;
  /** only directories of this pid (the scan runner after killing a child); otherwise every stale one */
  pid?: number;
  /**
   * with `pid` (this process's own): only that worker thread's directories, the process alive (the
   * scan runner after a scan thread ended without cleaning up)
   */
  threadId?: number;
  now?: number;
}

/**
 * Removes Vigil's stale scratch directories under `parent`: those whose owner marker names a process
 * that is gone (or `opts.pid`), and unmarked `vigil-scan-*`/`vigil-fn-*` directories older than a
 * day. Other names, other users' and live processes' directories are left alone. Returns the removed paths.
 */
export async function cleanStaleScratch(opts: CleanScratchOptions = {}): Promise<string[]> {
  const parent = opts.parent ?? tmpdir();
  const now = opts.now ?? Date.now();
  const removed: string[] = [];
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    if (!SCRATCH_NAME.test(name)) continue;
    const dir = join(parent, name);
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) continue;
    const marker = await readFile(join(dir, MARKER), 'utf8').catch(() => null);
    let stale: boolean;
    if (marker === null) {
      stale = opts.pid === undefined && now - st.mtimeMs > UNMARKED_STALE_MS;
    } else {
      const [pidText, , threadText] = marker.trim().split(/\s+/);
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) stale = opts.pid === undefined && now - st.mtimeMs > UNMARKED_STALE_MS;
      else if (opts.pid !== undefined && opts.threadId !== undefined) stale = pid === opts.pid && threadText === String(opts.threadId) && opts.threadId !== 0;
      else if (opts.pid !== undefined) stale = pid === opts.pid && !ownerAlive(pid);
      else stale = pid !== process.pid && !ownerAlive(pid);
    }
    if (!stale) continue;
    await rm(dir, { recursive: true, force: true }).then(() => removed.push(dir), () => undefined);
  }
  return removed;
}

/**
 * Takes scratch paths out of a message shown to tenants: `<tmpdir>/vigil-fn-XXXXXX/code.zip: …`
 * becomes `code.zip: …`, so errors do not reveal the server's file layout.
 */
export function redactScratch(message: string, parent: string = tmpdir()): string {
  const base = parent.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\/+$/, '');
  return message
    .replace(new RegExp(`${base}/vigil-[a-z]+-[A-Za-z0-9]{6}/`, 'g'), '')
    .replace(new RegExp(`${base}/vigil-[a-z]+-[A-Za-z0-9]{6}`, 'g'), '<scratch>');
}
