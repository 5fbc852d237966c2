/** One measured import, in its own process so that its peak RSS is its own. Prints one JSON line. */
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/index.ts';
import { importInputs, expandInputs } from '../src/vulndb/import.ts';
import { readPlainFile, readZip } from '../src/vulndb/containers.ts';
import { defaultFormats } from '../src/vulndb/formats/index.ts';
import { collect } from '../src/vulndb/formats/testutil.ts';

const [mode, url, data] = process.argv.slice(2);
const t0 = performance.now();
let extra: Record<string, number> = {};
if (mode === 'read-only') {
  // the baseline: read and parse every entry with the same formats, write nothing
  let records = 0;
  for (const unit of await expandInputs([data])) {
    const iter = unit.kind === 'zip' ? readZip(unit.path, () => {}) : (async function* () { yield { path: unit.rel.replace(/\.gz$/, ''), data: await readPlainFile(unit.path) }; })();
    for await (const e of iter) {
      const head = e.data.subarray(0, 4096).toString('utf8');
      const f = defaultFormats.find((x) => x.detect(e.path, head));
      if (!f) continue;
      const out = collect();
      f.parse(e, out);
      records += out.records.length + out.enrichments.length;
    }
  }
  extra = { records };
} else {
  const store = await openStore(url);
  const r = await importInputs([data], { store, log: silentLogger() });
  await store.close();
  extra = { added: r.added, enriched: r.enriched, errors: r.errors.length };
}
const ms = performance.now() - t0;
process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...extra }) + '\n');
