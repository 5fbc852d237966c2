/**
 * The parser families the fuzzer covers. Each family loads its seeds (real files: the repository's
 * testdata and samples of ../shared/vulndata), makes one input per case with fast-check, and runs
 * the real parsing code on it. A case is
 *   - accepted: the parser returned something;
 *   - rejected: the parser refused the input the documented way (a VigilError, or a recorded
 *     per-file / per-entry error);
 *   - a crash: anything else (another exception, an extractor reporting "extractor-error", i.e.
 *     a defect of ours that the input exposed) — thrown as FuzzCrash or left to propagate.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { extractorGroups, type Extractor } from '../../src/extractors/index.ts';
import { detectOs } from '../../src/extractors/os/index.ts';
import type { ExtractContext, OsInfo } from '../../src/extractors/types.ts';
import { loadIgnoreFile } from '../../src/integrations/ignore/index.ts';
import { readSbom } from '../../src/integrations/sbom/index.ts';
import { createSchemaValidators } from '../../src/integrations/schemas/index.ts';
import { VigilError } from '../../src/model/index.ts';
import { openDockerArchive, openImage, openZip, type ScanFS } from '../../src/sources/index.ts';
import { configSchema, indexSchema, manifestSchema, parseJson } from '../../src/sources/image/index.ts';
import { checkLayoutFile, resolveImage, type BlobStore } from '../../src/sources/oci-layout/index.ts';
import { readZip } from '../../src/vulndb/containers.ts';
import { defaultFormats, type AdvisoryFormat } from '../../src/vulndb/formats/index.ts';
import { osvRecordSchema } from '../../src/vulndb/formats/osv/schema.ts';
import { makeTar } from '../../src/sources/testutil.ts';
import { makeZip } from '../../test/helpers/zip.ts';
import { inputs } from './mutate.ts';

export const ROOT = new URL('../..', import.meta.url).pathname;
const VULNDATA = join(ROOT, '..', 'shared', 'vulndata');

/** A failure that is not the documented way of refusing input. */
export class FuzzCrash extends Error {}

export type Outcome = 'accepted' | 'rejected';

export interface FuzzCase {
  /** what was run ("javascript/package-lock", "osv", "openZip") */
  target: string;
  /** the path the parser was told */
  path: string;
  data: Buffer;
}

export interface Family {
  name: string;
  /** loads seeds; called once per worker */
  setup(): Promise<FamilyRun>;
}

export interface FamilyRun {
  arbitrary: fc.Arbitrary<FuzzCase>;
  run(c: FuzzCase): Promise<Outcome>;
  close?(): void;
}

/** Files under a testdata folder, recursively (skipping generator scripts). */
function testdataFiles(dir: string, maxBytes = 2 * 1024 * 1024): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let ents;
    try { ents = readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of ents) {
      const p = join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'src') walk(p); }
      else if (e.isFile() && !/\.(sh|py|mjs|go|md|tsv)$/.test(e.name) && statSync(p).size <= maxBytes) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A VigilError is the documented refusal; anything else propagates as a crash. */
async function refusing<T>(f: () => Promise<T> | T): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await f() };
  } catch (err) {
    if (err instanceof VigilError) return { ok: false };
    throw err;
  }
}

// ---------------------------------------------------------------- extractors (lockfiles, manifests, binaries, OS databases)

/** Where each extractor's file lives (fileRequired must say yes to it). */
const CANONICAL: Record<string, string> = {
  'dotnet/deps-json': 'app/App.deps.json',
  'dotnet/packages-lock': 'app/packages.lock.json',
  'go/binary': 'usr/local/bin/app',
  'go/gomod': 'src/go.mod',
  'java/gradle-lockfile': 'app/gradle.lockfile',
  'java/pom': 'app/pom.xml',
  'java/archive': 'app/lib/app.jar',
  'javascript/node-modules': 'app/node_modules/x/package.json',
  'javascript/package-lock': 'app/package-lock.json',
  'javascript/pnpm-lock': 'app/pnpm-lock.yaml',
  'javascript/yarn-lock': 'app/yarn.lock',
  'php/composer-lock': 'app/composer.lock',
  'php/installed-json': 'app/vendor/composer/installed.json',
  'python/dist-info': 'usr/lib/python3.11/site-packages/x-1.0.dist-info/METADATA',
  'python/pdm-lock': 'app/pdm.lock',
  'python/pipfile-lock': 'app/Pipfile.lock',
  'python/poetry-lock': 'app/poetry.lock',
  'python/requirements': 'app/requirements.txt',
  'python/uv-lock': 'app/uv.lock',
  'ruby/gemfile-lock': 'app/Gemfile.lock',
  'ruby/gemspec': 'usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec',
  'rust/auditable': 'usr/local/bin/app',
  'rust/cargo-lock': 'app/Cargo.lock',
  'os/dpkg': 'var/lib/dpkg/status',
  'os/apk': 'lib/apk/db/installed',
  'os/rpm': 'var/lib/rpm/rpmdb.sqlite',
  'dart/pubspec-lock': 'app/pubspec.lock',
  'elixir/mix-lock': 'app/mix.lock',
  'swift/package-resolved': 'app/Package.resolved',
  'swift/podfile-lock': 'app/Podfile.lock',
  'cpp/conan-lock': 'app/conan.lock',
  'dotnet/packages-config': 'app/packages.config',
  'dotnet/project-file': 'app/App.csproj',
};

const DEBIAN: OsInfo = { id: 'debian', versionId: '12', codename: 'bookworm', ecosystem: 'Debian:12' };

/** Runs one extractor the way the inventory does; an "extractor-error" is a defect, not a refusal. */
async function runExtractor(ex: Extractor, path: string, data: Buffer, os?: OsInfo): Promise<Outcome> {
  const ctx: ExtractContext = { fileErrors: [], readFile: async () => null, ...(os ? { os } : {}) };
  const info = { path, kind: 'file' as const, size: data.length, mode: 0o100755 };
  if (!ex.fileRequired(path, info)) return 'rejected';
  const packages = await ex.extract({ info, read: async () => data }, ctx);
  const defect = ctx.fileErrors.find((e) => e.rule === 'extractor-error');
  if (defect) throw new FuzzCrash(`${ex.name} recorded an extractor-error: ${defect.message}`);
  for (const p of packages) {
    if (typeof p.name !== 'string' || typeof p.version !== 'string' || typeof p.purl !== 'string') throw new FuzzCrash(`${ex.name}: a package without name, version or purl: ${JSON.stringify(p)}`);
  }
  return packages.length > 0 ? 'accepted' : 'rejected';
}

function extractorFamily(name: string, names: readonly string[], extraSeeds: () => { target: string; data: Buffer }[] = () => [], paths: Record<string, string> = CANONICAL, seedFilter: (file: string) => boolean = () => true): Family {
  return {
    name,
    async setup() {
      const exs = names.map((n) => {
        const ex = extractorGroups.all.find((e) => e.name === n);
        if (!ex) throw new Error(`fuzz: no extractor ${n}`);
        return ex;
      });
      const seeds: { target: string; data: Buffer }[] = [];
      for (const ex of exs) for (const f of testdataFiles(join(ROOT, 'src/extractors', ex.name, 'testdata')).filter(seedFilter)) seeds.push({ target: ex.name, data: readFileSync(f) });
      seeds.push(...extraSeeds());
      const byTarget = new Map(exs.map((ex) => [ex.name, seeds.filter((s) => s.target === ex.name).map((s) => s.data)]));
      const arbitrary = fc.constantFrom(...exs).chain((ex) => inputs(byTarget.get(ex.name) ?? []).map((data) => ({ target: ex.name, path: paths[ex.name], data })));
      const byName = new Map<string, Extractor>(exs.map((e) => [e.name, e]));
      return {
        arbitrary,
        run: (c) => runExtractor(byName.get(c.target)!, c.path, c.data, c.target.startsWith('os/') ? DEBIAN : undefined),
      };
    },
  };
}

const LOCKFILES = [
  'dotnet/deps-json', 'dotnet/packages-lock', 'go/gomod', 'java/gradle-lockfile', 'java/pom', 'javascript/node-modules', 'javascript/package-lock',
  'javascript/pnpm-lock', 'javascript/yarn-lock', 'php/composer-lock', 'php/installed-json', 'python/dist-info', 'python/pdm-lock', 'python/pipfile-lock',
  'python/poetry-lock', 'python/requirements', 'python/uv-lock', 'ruby/gemfile-lock', 'ruby/gemspec', 'rust/cargo-lock',
];

/** Issue 20's formats: Dart, Elixir, Swift, CocoaPods, conan, .NET project files (their own family, so the older one's seeded cases stay as they were). */
const LOCKFILES_MORE = ['dart/pubspec-lock', 'elixir/mix-lock', 'swift/package-resolved', 'swift/podfile-lock', 'cpp/conan-lock', 'dotnet/packages-config', 'dotnet/project-file'];

/** OS databases (dpkg, apk, rpm) plus os-release detection. */
const osDb: Family = {
  name: 'os-db',
  async setup() {
    const base = await extractorFamily('os-db', ['os/dpkg', 'os/apk', 'os/rpm']).setup();
    const releases = testdataFiles(join(ROOT, 'src/extractors/os/release/testdata')).map((f) => readFileSync(f));
    const arbitrary = fc.oneof(
      { arbitrary: base.arbitrary, weight: 3 },
      { arbitrary: inputs(releases).map((data) => ({ target: 'os/release', path: 'etc/os-release', data })), weight: 1 },
    );
    return {
      arbitrary,
      async run(c) {
        if (c.target !== 'os/release') return base.run(c);
        const os = await detectOs(async (p) => (p === 'etc/os-release' || p === 'usr/lib/os-release' ? c.data : null));
        return os ? 'accepted' : 'rejected';
      },
    };
  },
};

// ---------------------------------------------------------------- OCI / docker: index, manifests, configs

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A tiny valid image: oci-layout, index.json, manifest, config and one layer, as bytes. */
async function tinyImage(): Promise<{ layer: Buffer; layout: Buffer; index: object; manifest: object; config: object }> {
  const layer = await makeTar([{ name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }, { name: 'app/package.json', content: '{"name":"a","version":"1.0.0"}' }]);
  const config = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] }, history: [{ created_by: 'ADD rootfs' }] };
  const cfg = Buffer.from(JSON.stringify(config));
  const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(cfg), size: cfg.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }] };
  const man = Buffer.from(JSON.stringify(manifest));
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(man), size: man.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] };
  return { layer, layout: Buffer.from('{"imageLayoutVersion":"1.0.0"}'), index, manifest, config };
}

async function drain(fs: ScanFS): Promise<void> {
  try {
    let n = 0;
    for await (const e of fs.entries()) {
      if (e.kind === 'file' && n++ < 64) await fs.readFile(e.path).catch((err) => { if (!(err instanceof VigilError)) throw err; });
    }
  } finally {
    await fs.close();
  }
}

const oci: Family = {
  name: 'oci',
  async setup() {
    const img = await tinyImage();
    const seeds = {
      'oci-layout': [img.layout],
      'index.json': [Buffer.from(JSON.stringify(img.index))],
      manifest: [Buffer.from(JSON.stringify(img.manifest))],
      config: [Buffer.from(JSON.stringify(img.config))],
      'docker manifest.json': [Buffer.from(JSON.stringify([{ Config: 'config.json', RepoTags: ['a:v1'], Layers: ['layer.tar'] }]))],
    };
    const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-oci-'));
    const arbitrary = fc.constantFrom(...(Object.keys(seeds) as (keyof typeof seeds)[])).chain((t) => inputs(seeds[t]).map((data) => ({ target: t, path: t, data })));
    return {
      arbitrary,
      close: () => rmSync(dir, { recursive: true, force: true }),
      async run(c) {
        if (c.target === 'docker manifest.json') {
          // a docker-save archive whose manifest.json is the input
          const cfg = Buffer.from(JSON.stringify(img.config));
          const tar = await makeTar([{ name: 'manifest.json', content: c.data }, { name: 'config.json', content: cfg }, { name: 'layer.tar', content: img.layer }]);
          const p = join(dir, 'image.tar');
          writeFileSync(p, tar);
          const r = await refusing(() => openDockerArchive(p));
          if (!r.ok) return 'rejected';
          await drain(r.value);
          return 'accepted';
        }
        // an in-memory layout: the mutated blob replaces the real one and its parent points at it
        const blobs = new Map<string, Buffer>();
        const put = (b: Buffer): string => { const d = sha256(b); blobs.set(d, b); return d; };
        put(img.layer);
        const cfg = c.target === 'config' ? c.data : Buffer.from(JSON.stringify(img.config));
        const man = c.target === 'manifest' ? c.data : Buffer.from(JSON.stringify({ ...img.manifest, config: { ...(img.manifest as { config: object }).config, digest: put(cfg), size: cfg.length } }));
        put(cfg);
        const manDigest = put(man);
        const indexBytes = c.target === 'index.json' ? c.data : Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manDigest, size: man.length }] }));
        const layoutBytes = c.target === 'oci-layout' ? c.data : img.layout;
        const store: BlobStore = {
          name: 'fuzz-layout',
          async read(digest) {
            const b = blobs.get(digest);
            if (!b) throw new VigilError('VIGIL_NOT_FOUND', `blob ${digest} is missing`, { rule: 'missing-blob' });
            return b;
          },
          async open(digest) {
            const b = blobs.get(digest);
            if (!b) throw new VigilError('VIGIL_NOT_FOUND', `blob ${digest} is missing`, { rule: 'missing-blob' });
            return (async function* () { yield b; })();
          },
        };
        const r = await refusing(async () => {
          checkLayoutFile(layoutBytes, 'fuzz/oci-layout');
          const index = parseJson(indexSchema, indexBytes, 'fuzz/index.json');
          // the schemas on their own too: what registries hand the same parsers
          parseJson(manifestSchema, man, 'fuzz/manifest');
          parseJson(configSchema, cfg, 'fuzz/config');
          const src = await resolveImage(store, index, { kind: 'oci-layout', ref: 'fuzz' });
          return openImage(src);
        });
        if (!r.ok) return 'rejected';
        await drain(r.value);
        return 'accepted';
      },
    };
  },
};

// ---------------------------------------------------------------- tar: image layers and docker-save archives

const tarFamily: Family = {
  name: 'tar',
  async setup() {
    const long = 'd/'.repeat(60) + 'f'.repeat(90);
    const seeds = [
      await makeTar([{ name: 'etc/os-release', content: 'ID=debian\n' }, { name: 'etc/', type: 'directory' }, { name: 'usr/bin/x', content: 'x'.repeat(700) }]),
      await makeTar([{ name: 'a/b', content: 'b' }, { name: 'a/.wh.c' }, { name: 'a/.wh..wh..opq' }, { name: 'l', type: 'symlink', linkname: 'a/b' }, { name: 'h', type: 'link', linkname: 'a/b' }]),
      await makeTar([{ name: long, content: 'pax' }, { name: 'dev/null', type: 'character-device' }, { name: 'fifo', type: 'fifo' }, { name: '../escape', content: 'x' }]),
      await makeTar([{ name: 'app/package-lock.json', content: JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/a': { version: '1.0.0' } } }) }]),
    ];
    const gz = seeds.map((s) => gzipSync(s));
    const img = await tinyImage();
    const cfg = Buffer.from(JSON.stringify(img.config));
    const docker = await makeTar([{ name: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', RepoTags: ['a:v1'], Layers: ['layer.tar'] }]) }, { name: 'config.json', content: cfg }, { name: 'layer.tar', content: img.layer }]);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-tar-'));
    const arbitrary = fc.oneof(
      { arbitrary: inputs(seeds).map((data) => ({ target: 'layer', path: 'layer.tar', data })), weight: 3 },
      { arbitrary: inputs(gz).map((data) => ({ target: 'layer', path: 'layer.tar.gz', data })), weight: 1 },
      { arbitrary: inputs([docker]).map((data) => ({ target: 'docker-archive', path: 'image.tar', data })), weight: 2 },
    );
    return {
      arbitrary,
      close: () => rmSync(dir, { recursive: true, force: true }),
      async run(c) {
        const r = await refusing(async () => {
          if (c.target === 'docker-archive') {
            const p = join(dir, 'image.tar');
            writeFileSync(p, c.data);
            return openDockerArchive(p);
          }
          const data = c.data;
          return openImage({ target: { kind: 'image', ref: 'fuzz' }, layers: [{ open: async () => (async function* () { yield data; })() }] }, { filter: () => true, scratchParent: dir });
        });
        if (!r.ok) return 'rejected';
        await drain(r.value);
        return 'accepted';
      },
    };
  },
};

// ---------------------------------------------------------------- zip: function packages, JARs, advisory zips

const zipFamily: Family = {
  name: 'zip',
  async setup() {
    const zips = [
      ...testdataFiles(join(ROOT, 'src/sources/zip/testdata')).map((f) => readFileSync(f)),
      makeZip([{ name: 'requirements.txt', data: 'Django==2.2.0\n' }, { name: 'a/b/c.txt', data: 'x'.repeat(2000) }, { name: 'stored.txt', data: 'stored', store: true }]),
      makeZip([{ name: 'GO-2020-0001.json', data: JSON.stringify({ id: 'GO-2020-0001', modified: '2021-01-01T00:00:00Z', affected: [] }) }]),
    ];
    const jars = testdataFiles(join(ROOT, 'src/extractors/java/archive/testdata')).map((f) => readFileSync(f));
    const jar = extractorGroups.all.find((e) => e.name === 'java/archive')!;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-zip-'));
    const arbitrary = fc.oneof(
      inputs(zips).map((data) => ({ target: 'openZip', path: 'function.zip', data })),
      inputs(jars).map((data) => ({ target: 'java/archive', path: CANONICAL['java/archive'], data })),
      inputs(zips).map((data) => ({ target: 'vulndb readZip', path: 'all.zip', data })),
    );
    return {
      arbitrary,
      close: () => rmSync(dir, { recursive: true, force: true }),
      async run(c) {
        if (c.target === 'java/archive') return runExtractor(jar, c.path, c.data);
        const p = join(dir, c.path);
        writeFileSync(p, c.data);
        if (c.target === 'vulndb readZip') {
          const r = await refusing(async () => {
            let n = 0;
            for await (const _ of readZip(p, () => {})) n++;
            return n;
          });
          return r.ok && r.value > 0 ? 'accepted' : 'rejected';
        }
        const r = await refusing(() => openZip(p));
        if (!r.ok) return 'rejected';
        await drain(r.value);
        return 'accepted';
      },
    };
  },
};

// ---------------------------------------------------------------- SBOMs (and ignore files)

const sbom: Family = {
  name: 'sbom',
  async setup() {
    const files = testdataFiles(join(ROOT, 'src/integrations/sbom/testdata')).filter((f) => /\.json$/.test(f));
    const seeds = files.map((f) => readFileSync(f));
    const ignores = testdataFiles(join(ROOT, 'src/integrations/ignore/testdata')).map((f) => readFileSync(f));
    const validators = createSchemaValidators();
    const arbitrary = fc.oneof(
      { arbitrary: inputs(seeds).map((data) => ({ target: 'readSbom', path: 'bom.json', data })), weight: 4 },
      { arbitrary: inputs(ignores).map((data) => ({ target: 'loadIgnoreFile', path: '.vigilignore.yaml', data })), weight: 1 },
    );
    return {
      arbitrary,
      async run(c) {
        const r = await refusing(() => (c.target === 'readSbom' ? readSbom(c.data, c.path, { validators }).packages : loadIgnoreFile(c.data, c.path)));
        return r.ok ? 'accepted' : 'rejected';
      },
    };
  },
};

// ---------------------------------------------------------------- vulnerability-database formats

/** The path an entry of each format has in real data (the formats match on it). */
function formatPath(format: string, ext: string): string {
  switch (format) {
    case 'debian/dsa-list': return 'debian/DSA-list.txt';
    case 'debian/tracker-json': return 'debian/tracker.json';
    case 'alpine/secdb': return `v3.19/main${ext === '.json' ? '.json' : '.yaml'}`;
    case 'native/rubysec': return 'gems/rails/CVE-2020-0001.yml';
    case 'native/friendsofphp': return 'symfony/http-kernel/CVE-2020-0001.yaml';
    case 'native/nodejs-security-wg': return 'vuln/npm/100.json';
    case 'enrich/kev': return `kev/known_exploited_vulnerabilities${ext === '.csv' ? '.csv' : '.json'}`;
    case 'enrich/vulnrichment': return 'cve/cvss-cwe-ssvc-vulnrichment.csv';
    case 'enrich/nvd': return 'nvd/nvdcve-2.0-page-1.json';
    case 'enrich/epss': return 'epss/epss_scores-2025-11-16.csv';
    default: return `Go/GO-2020-0001${ext === '.yaml' || ext === '.yml' ? '.yaml' : '.json'}`;
  }
}

/** Small samples of the real data in ../shared/vulndata, when present. */
async function vulndataSamples(): Promise<{ format: string; ext: string; data: Buffer }[]> {
  const out: { format: string; ext: string; data: Buffer }[] = [];
  const tryRead = (p: string): Buffer | null => { try { return readFileSync(p); } catch { return null; } };
  const head = (b: Buffer | null, lines: number): Buffer | null => (b ? Buffer.from(b.toString('utf8').split('\n').slice(0, lines).join('\n')) : null);
  const add = (format: string, ext: string, data: Buffer | null) => { if (data) out.push({ format, ext, data }); };
  add('debian/dsa-list', '.txt', head(tryRead(join(VULNDATA, 'debian/DSA-list.txt')), 200));
  add('debian/dsa-list', '.txt', head(tryRead(join(VULNDATA, 'debian/DLA-list.txt')), 200));
  add('alpine/secdb', '.yaml', head(tryRead(join(VULNDATA, 'alpine/v3.10/main.yaml')), 300));
  add('enrich/kev', '.csv', head(tryRead(join(VULNDATA, 'kev/known_exploited_vulnerabilities.csv')), 20));
  const kev = tryRead(join(VULNDATA, 'kev/known_exploited_vulnerabilities.json'));
  if (kev) {
    const j = JSON.parse(kev.toString('utf8')) as { vulnerabilities: unknown[] };
    add('enrich/kev', '.json', Buffer.from(JSON.stringify({ ...j, vulnerabilities: j.vulnerabilities.slice(0, 5) })));
  }
  const cve = tryRead(join(VULNDATA, 'cve/cvss-cwe-ssvc-vulnrichment.csv.gz'));
  if (cve) add('enrich/vulnrichment', '.csv', head(gunzipSync(cve), 30));
  for (const [zip, format] of [['Go/all.zip', 'osv'], ['PyPI/all.zip', 'osv'], ['crates.io/all.zip', 'osv'], ['AlmaLinux/all.zip', 'osv'], ['malicious/npm/all.zip', 'osv'],
    ['native/rubysec/all.zip', 'native/rubysec'], ['native/friendsofphp/all.zip', 'native/friendsofphp'], ['native/nodejs-security-wg/all.zip', 'native/nodejs-security-wg']] as const) {
    const p = join(VULNDATA, zip);
    if (!tryRead(p)) continue;
    let n = 0;
    try {
      for await (const e of readZip(p, () => {})) {
        const f = defaultFormats.find((x) => x.detect(e.path, e.data.subarray(0, 4096).toString('utf8')));
        if (f?.name !== format) continue;
        add(format, extname(e.path), e.data);
        if (++n >= 8) break;
      }
    } catch { /* a sample is optional */ }
  }
  return out;
}

/** Records are re-validated, key-sorted and serialized by the import; a crash there counts too. */
function checkRecord(r: unknown, format: string): void {
  if (format !== 'osv') osvRecordSchema.safeParse(r);
  if (typeof JSON.stringify(r) !== 'string') throw new FuzzCrash(`${format}: a record that does not serialize`);
}

const vulndb: Family = {
  name: 'vulndb',
  async setup() {
    const seeds: { format: string; ext: string; data: Buffer }[] = [];
    const dirOf = (f: AdvisoryFormat) => (f.name === 'osv' ? 'osv' : f.name);
    for (const f of defaultFormats) for (const p of testdataFiles(join(ROOT, 'src/vulndb/formats', dirOf(f), 'testdata'))) seeds.push({ format: f.name, ext: extname(p), data: readFileSync(p) });
    seeds.push(...(await vulndataSamples()));
    const formats = defaultFormats.filter((f) => seeds.some((s) => s.format === f.name));
    const arbitrary = fc.constantFrom(...formats).chain((f) => {
      const mine = seeds.filter((s) => s.format === f.name);
      return fc.record({ ext: fc.constantFrom(...mine.map((s) => s.ext)), data: inputs(mine.map((s) => s.data)) })
        .map(({ ext, data }) => ({ target: f.name, path: formatPath(f.name, ext), data }));
    });
    const byName = new Map(defaultFormats.map((f) => [f.name, f]));
    return {
      arbitrary,
      async run(c) {
        const f = byName.get(c.target)!;
        f.detect(c.path, c.data.subarray(0, 4096).toString('utf8'));
        let records = 0;
        const r = await refusing(() => f.parse({ path: c.path, data: c.data }, {
          record: (x) => { records++; checkRecord(x, f.name); },
          enrich: (x) => { records++; checkRecord(x, f.name); },
          error: () => {},
        }));
        return r.ok && records > 0 ? 'accepted' : 'rejected';
      },
    };
  },
};

export const FAMILIES: readonly Family[] = [
  extractorFamily('lockfiles', LOCKFILES),
  extractorFamily('lockfiles-more', LOCKFILES_MORE),
  // rpm's BerkeleyDB form, from the Berkeley DB files of os/rpm's testdata
  extractorFamily('rpm-bdb', ['os/rpm'], () => [], { 'os/rpm': 'var/lib/rpm/Packages' }, (f) => /\/Packages(\.[a-z0-9]+)?$/.test(f) && !f.endsWith('.db')),
  // rpm's NDB form (SUSE), from the NDB files of os/rpm's testdata (rpm's own store's and a SUSE image's)
  extractorFamily('rpm-ndb', ['os/rpm'], () => [], { 'os/rpm': 'usr/lib/sysimage/rpm/Packages.db' }, (f) => f.endsWith('/Packages.db')),
  extractorFamily('binaries', ['go/binary', 'rust/auditable']),
  osDb,
  oci,
  tarFamily,
  zipFamily,
  sbom,
  vulndb,
];

export function familyNamed(name: string): Family {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`unknown family ${JSON.stringify(name)} (${FAMILIES.map((x) => x.name).join(', ')})`);
  return f;
}

