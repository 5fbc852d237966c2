/** Test helpers for the sources: tar layers built with tar-stream, entry listing. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import type { FileInfo, ScanFS } from './types.ts';

export interface TarSpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** A tar built from entries, in order. */
export async function makeTar(entries: TarSpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? (typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0))) : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        ...(type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}),
        size: body?.length ?? 0,
      };
      if (body) pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const gz = (b: Buffer): Buffer => gzipSync(b);

export async function listAll(fs: ScanFS): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const e of fs.entries()) out.push(e);
  return out;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `vigil-test-${prefix}-`));
}

/** the repository root (tests run from anywhere) */
export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
/** .cache/targets, or VIGIL_TEST_TARGETS (test/helpers/prereq.ts) */
export { TARGETS } from '../../test/helpers/prereq.ts';
