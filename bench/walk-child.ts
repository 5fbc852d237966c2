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
 * (bench/scan.ts runs it bundled as `vigil` is: .cache/bench/walk-child.mjs, the same arguments)
 * prints `BENCH {"ms":…,"cpuMs":…,"files":…,"wanted":…,"bytes":…}`; --list writes the wanted paths,
 * NUL-separated and relative to <dir>, for the floor's `xargs -0 cat`.
 */
import { writeFileSync } from 'node:fs';
import { FileIndex } from '../src/extractors/file-names.ts';
import { extractorsFor } from '../src/extractors/index.ts';
import { openDir } from '../src/sources/dir/index.ts';

const args = process.argv.slice(2);
const dir = args[0];
const listFile = args.includes('--list') ? args[args.indexOf('--list') + 1] : undefined;
const index = new FileIndex(extractorsFor(['vuln', 'malware']));

const t0 = performance.now();
const c0 = process.cpuUsage();
const fs = await openDir(dir, { rootfs: args.includes('--rootfs') });
const wanted: string[] = [];
let files = 0;
for await (const info of fs.entries()) {
  if (info.kind !== 'file') continue;
  files++;
  // as collectInventory asks them: every extractor that may want it (no short cut at the first yes)
  if (index.wantedBy(info.path, info).length > 0) wanted.push(info.path);
}
let bytes = 0;
for (const p of wanted) bytes += (await fs.readFile(p).catch(() => Buffer.alloc(0))).length;
await fs.close();
const c = process.cpuUsage(c0);
const ms = performance.now() - t0;
if (listFile) writeFileSync(listFile, wanted.map((p) => `${p}\0`).join(''));
console.log(`BENCH ${JSON.stringify({ ms, cpuMs: (c.user + c.system) / 1000, files, wanted: wanted.length, bytes })}`);
