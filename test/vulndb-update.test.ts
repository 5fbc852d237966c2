/**
 * `db update` and `db import <url>` against a real HTTP server on loopback that serves osv.dev's
 * bulk-export layout (`<eco>/all.zip`, `<eco>/modified_id.csv`, `<eco>/<id>.json`), a KEV catalog
 * and an EPSS file: first a full download, then nothing (no zip fetched again), then only the one
 * changed record.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import type { OsvRecord } from '../src/model/index.ts';
import { importSources, updateDatabase } from '../src/vulndb/update.ts';
import { dbStatus, showVulnerability } from '../src/vulndb/query.ts';
import { makeZip } from './helpers/zip.ts';
import { sqliteTestStore, type TestStore } from './helpers/stores.ts';

const log = silentLogger();
const FIXTURES = join(import.meta.dirname, '..', 'src', 'vulndb', 'formats', 'enrich');

function goRecord(n: number, modified: string): OsvRecord {
  return {
    id: `GO-2099-000${n}`, modified, aliases: [`CVE-2099-000${n}`], summary: `record ${n}`,
    affected: [{ package: { ecosystem: 'Go', name: `example.com/mod${n}` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }] }],
  };
}

describe('db update over HTTP', () => {
  let server: Server;
  let base: string;
  let ts: TestStore;
  let home: string;
  const records = new Map<string, OsvRecord>([
    ['GO-2099-0001', goRecord(1, '2099-01-01T00:00:00Z')],
    ['GO-2099-0002', goRecord(2, '2099-01-02T00:00:00Z')],
  ]);
  let zip: Buffer = Buffer.alloc(0);
  let etag = '';
  const rebuild = () => {
    zip = makeZip([...records.values()].map((r) => ({ name: `${r.id}.json`, data: JSON.stringify(r) })));
    etag = `"${zip.length}-${records.size}"`;
  };
  const requests: string[] = [];
  let serveIndex = true;

  before(async () => {
    rebuild();
    const kev = readFileSync(join(FIXTURES, 'kev', 'testdata', 'three.json'));
    const epss = gzipSync(readFileSync(join(FIXTURES, 'epss', 'testdata', 'epss_scores-2025-11-16.csv')));
    server = createServer((req, res) => {
      const url = decodeURIComponent(req.url ?? '');
      requests.push(url);
      if (url === '/osv/Go/all.zip') {
        if (req.headers['if-none-match'] === etag) { res.writeHead(304).end(); return; }
        res.writeHead(200, { etag, 'content-type': 'application/zip' }).end(zip);
      } else if (url === '/osv/Go/modified_id.csv' && serveIndex) {
        const lines = [...records.values()].sort((a, b) => b.modified.localeCompare(a.modified)).map((r) => `${r.modified},${r.id}`);
        res.writeHead(200).end(lines.join('\n') + '\n');
      } else if (url.startsWith('/osv/Go/') && url.endsWith('.json') && records.has(url.slice(8, -5))) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(records.get(url.slice(8, -5))));
      } else if (url === '/kev.json') {
        res.writeHead(200, { etag: '"kev1"' }).end(kev);
      } else if (url === '/epss.csv.gz') {
        if (req.headers['if-none-match'] === '"epss1"') { res.writeHead(304).end(); return; }
        res.writeHead(200, { etag: '"epss1"' }).end(epss);
      } else {
        res.writeHead(404).end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
    ts = await sqliteTestStore();
    home = mkdtempSync(join(tmpdir(), 'vigil-home-'));
  });
  after(async () => {
    server.close();
    await ts.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  const update = () => updateDatabase({
    store: ts.store, log, home, ecosystems: ['Go'], osvBaseUrl: `${base}/osv`, kevUrl: `${base}/kev.json`, epssUrl: `${base}/epss.csv.gz`,
  });

  test('first update downloads the export, KEV and EPSS', async () => {
    const r = await update();
    assert.deepEqual(r.fetched.map((f) => `${f.name}:${f.status}`), ['Go:downloaded', 'kev:downloaded', 'epss:downloaded']);
    assert.equal(r.import?.added, 2);
    const s = await dbStatus(ts.store);
    const go = s.sources.find((x) => x.key === 'osv:Go/all.zip');
    assert.equal(go?.records, 2);
    assert.ok(s.enrichment.kev >= 3 && s.enrichment.epss > 0);
    // staged downloads are removed
    assert.deepEqual(readdirSync(join(home, 'downloads')), []);
  });

  test('a second update downloads nothing', async () => {
    requests.length = 0;
    const r = await update();
    assert.equal(r.fetched.find((f) => f.name === 'Go')?.status, 'unchanged');
    assert.equal(r.fetched.find((f) => f.name === 'epss')?.status, 'unchanged');
    assert.ok(!requests.includes('/osv/Go/all.zip'), 'the zip is not fetched again');
  });

  test('a changed advisory is fetched alone and lands in the change set', async () => {
    records.set('GO-2099-0003', goRecord(3, '2099-02-01T00:00:00Z'));
    rebuild();
    requests.length = 0;
    const r = await update();
    assert.equal(r.fetched.find((f) => f.name === 'Go')?.status, 'incremental');
    assert.ok(requests.includes('/osv/Go/GO-2099-0003.json'));
    assert.ok(!requests.includes('/osv/Go/all.zip'));
    assert.ok(!requests.includes('/osv/Go/GO-2099-0001.json'));
    assert.equal(r.import?.added, 1);
    const pkgs = await ts.store.db.selectFrom('change_set_packages').select(['ecosystem', 'name']).where('change_set_id', '=', r.import!.changeSetId).execute();
    assert.deepEqual(pkgs, [{ ecosystem: 'Go', name: 'example.com/mod3' }]);
    const s = await dbStatus(ts.store);
    assert.equal(s.sources.find((x) => x.key === 'osv:Go/all.zip')?.records, 3, 'the source counts what it holds, not just the delta');
    assert.equal((await showVulnerability(ts.store, 'CVE-2099-0003'))?.aliases[0], 'GO-2099-0003');
  });

  test('without an index, an unchanged export is answered 304 from its ETag', async () => {
    serveIndex = false;
    try {
      // the export changed since its last download (the incremental fetch took its news): fetched once,
      // importing nothing new
      const first = await update();
      assert.equal(first.fetched.find((f) => f.name === 'Go')?.status, 'downloaded');
      assert.equal(first.import?.added, 0);
      requests.length = 0;
      const r = await update();
      assert.equal(r.fetched.find((f) => f.name === 'Go')?.status, 'unchanged');
      assert.equal(r.fetched.find((f) => f.name === 'Go')?.detail, 'HTTP 304');
    } finally {
      serveIndex = true;
    }
  });

  test('an unreachable source fails alone; the others still import', async () => {
    const r = await updateDatabase({ store: ts.store, log, home, ecosystems: ['Go', 'NoSuchEcosystem'], osvBaseUrl: `${base}/osv`, kev: false, epss: false });
    assert.equal(r.fetched.find((f) => f.name === 'NoSuchEcosystem')?.status, 'failed');
    assert.match(r.fetched.find((f) => f.name === 'NoSuchEcosystem')!.detail!, /HTTP 404/);
  });

  test('db import takes a URL', async () => {
    const other = await sqliteTestStore();
    try {
      const r = await importSources([`${base}/osv/Go/all.zip`], { store: other.store, log, home });
      assert.equal(r.added, 3);
      assert.deepEqual(r.sources.map((s) => s.key), ['osv:Go/all.zip']);
      await assert.rejects(importSources([`${base}/missing.zip`], { store: other.store, log, home }), /HTTP 404/);
      assert.ok(!existsSync(join(home, 'downloads')) || readdirSync(join(home, 'downloads')).length === 0);
    } finally {
      await other.cleanup();
    }
  });
});
