/**
 * bench/walk-child — one directory walk as the inventory does it, timed inside its own process
 * (bench/scan.ts runs it once per round; module loading and Node's start-up are not in the figure,
 * they are the start-up target's): `openDir`, every entry offered to the extractors' `fileRequired`
 * (the vuln and malware scanners' extractors, through the FileIndex collectInventory asks them
 * with: only those whose declared names match, and those without), then each wanted file read once, in
 * walk order, as collectInventory reads them before parsing. Parsing is left out on purpose: the
 * floor (`find -type f` + `cat` of the same files) does not parse either; the whole pipeline is the
 * rootfs-work target's.
 *
 *   node --import tsx bench/walk-child.ts <dir> [--rootfs] [--list <file>]
 * (bench/scan.ts runs it bundled as `vigil` is, two ways, with the same arguments: as the CLI's scan
 * thread runs its code, one CommonJS file in a worker thread through V8's code cache, started by
 * bench/walk-thread.mjs with src/engine/thread-loader.cjs; and as an ES module compiled afresh in the
 * main thread, .cache/bench/walk-child.mjs, what the first scan after an install or upgrade compiles)
 * prints `BENCH {"ms":…,"cpuMs":…,"files":…,"wanted":…,"bytes":…}`; --list writes the wanted paths,
 * NUL-separated and relative to <dir>, for the floor's `xargs -0 cat`.
 */
import { writeFileSync } from 'node:fs';
import { FileIndex } from '../src/extractors/file-names.ts';
import { extractorsFor } from '../src/extractors/index.ts';
import { openDir } from '../src/sources/dir/index.ts';
import type { FileInfo } from '../src/sources/types.ts';

const args = process.argv.slice(2);
const dir = args[0];
const listFile = args.includes('--list') ? args[args.indexOf('--list') + 1] : undefined;
const index = new FileIndex(extractorsFor(['vuln', 'malware']));

// no top-level await: bench/scan.ts also runs this as one CommonJS file in a scan thread (bench/walk-thread.mjs)
void (async () => {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const fs = await openDir(dir, { rootfs: args.includes('--rootfs') });
  const wanted: string[] = [];
  let files = 0;
  const take = (info: FileInfo) => {
    if (info.kind !== 'file') return;
    files++;
    // as collectInventory asks them: every extractor that may want it (no short cut at the first yes)
    if (index.wantedBy(info.path, info).length > 0) wanted.push(info.path);
  };
  // as collectInventory takes them: in batches where the source gives them so (a directory does)
  if (fs.entryBatches) for await (const batch of fs.entryBatches()) for (const info of batch) take(info);
  else for await (const info of fs.entries()) take(info);
  let bytes = 0;
  for (const p of wanted) bytes += (await fs.readFile(p).catch(() => Buffer.alloc(0))).length;
  await fs.close();
  const c = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  if (listFile) writeFileSync(listFile, wanted.map((p) => `${p}\0`).join(''));
  console.log(`BENCH ${JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, files, wanted: wanted.length, bytes })}`);
})();
