import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A per-scan scratch directory, created on first use and removed by dispose(). */
export class Scratch {
  private dir: Promise<string> | null = null;
  private n = 0;
  constructor(private readonly parent: string = tmpdir()) {}

  /** the directory, created on first call */
  path(): Promise<string> {
    this.dir ??= mkdtemp(join(this.parent, 'vigil-scan-'));
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
