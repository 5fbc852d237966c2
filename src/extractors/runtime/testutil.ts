/** Test helpers for the runtime plugins: a ScanFile over a real file that is read in chunks, as a rootfs source reads it. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ScanFile } from '../types.ts';

/** A ScanFile over the real file `real`, named `path` in the scanned tree; `chunks` streams it. */
export function realFile(real: string, path: string): ScanFile {
  const s = statSync(real);
  return {
    info: { path, kind: 'file', size: s.size, mode: s.mode },
    read: () => readFile(real),
    async *chunks(n: number) {
      for await (const piece of createReadStream(real, { highWaterMark: n })) yield piece as Buffer;
    },
  };
}

/** The first of `paths` that exists (a binary's location differs between machines), or undefined. */
export const firstExisting = (...paths: string[]): string | undefined => paths.find((p) => existsSync(p));
