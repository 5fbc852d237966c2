/**
 * The bundle `vigil` runs (scripts/build.mjs) leaves the test-only fault injection out
 * (src/engine/testpoint.ts): no pause point, no environment variable that reaches one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/prereq.ts';

test('the bundle has no test pause points', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-build-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--outdir', out, '--cli-only'], { stdio: 'pipe' });
    const code = readdirSync(out).filter((f) => f.endsWith('.mjs') || f.endsWith('.cjs')).map((f) => readFileSync(join(out, f), 'utf8')).join('\n');
    // the scan thread's CommonJS bundle (scripts/bundle-options.mjs threadBundleOptions) and its loader
    const thread = readFileSync(join(out, 'scan-thread.cjs'), 'utf8');
    assert.match(thread, /async function pauseAt\(/, 'the engine is in the thread\'s bundle too');
    assert.deepEqual(readFileSync(join(out, 'thread-loader.cjs')), readFileSync(join(ROOT, 'src', 'engine', 'thread-loader.cjs')));
    // no import() left (vm.Script with a code cache cannot run one): built-ins and externals are required when the promise runs
    assert.deepEqual([...thread.matchAll(/(?<![{\w.])import\(\s*["'`]/g)].map((m) => thread.slice(m.index, m.index + 40)), []);
    assert.match(thread, /require\("pg"\)/);
    assert.ok(!thread.includes('import.meta'), 'import.meta.url is defined, no other import.meta is used');
    // better-sqlite3's JavaScript is in it, its addon loaded through src/store/sqlite-addon.cjs with the bundled release checked
    assert.ok(!thread.includes('require("better-sqlite3")'), 'better-sqlite3 is bundled in the thread');
    assert.match(thread, /require_sqlite_addon\(\)\("better_sqlite3\.node"\)/);
    const bundled = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')).version;
    assert.ok(thread.includes(`var BUILT = true ? ${JSON.stringify(bundled)} : null;`), 'the bundled release is defined');
    assert.match(code, /async function pauseAt\(/, 'the engine is in the bundle');
    for (const s of ['VIGIL_TEST_PAUSE_AT', 'vigil-testpoint', 'function pauseHere']) assert.ok(!code.includes(s), `${s} is compiled out`);
    // zod's 64 message locales: English only (scripts/bundle-options.mjs zodEnglishOnly)
    // (the path comment is relative to the checkout: `../main/node_modules/…` in a git worktree whose node_modules is a symlink)
    assert.match(code, /\/\/ \S*node_modules\/zod\/v4\/locales\/en\.js/, 'zod\'s English messages are in');
    assert.doesNotMatch(code, /\/\/ \S*node_modules\/zod\/v4\/locales\/de\.js/, 'the other locales are left out');
    // packageurl-js makes its Intl.Collator when a comparison needs one (scripts/bundle-options.mjs purlLazyCollator)
    assert.match(code, /\/\/ \S*node_modules\/packageurl-js\/src\/strings\.js/, 'packageurl-js is in');
    assert.ok(!code.includes('new Intl.Collator();'), 'no collator made when packageurl-js is evaluated');
    assert.ok(code.includes('(collator ??= new Intl.Collator()).compare(a, b)'), 'the collator made on demand');
    // the CVSS calculator stays in node_modules, loaded with the first vector scored
    assert.doesNotMatch(code, /\/\/ \S*node_modules\/ae-cvss-calculator\//, 'ae-cvss-calculator is not bundled');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

/**
 * The modules a module loads before any of its code runs: its static imports, transitively (what
 * `await import()` brings in later is not counted, nor a `require()` in Vigil's own sources: those
 * are calls inside functions, src/log.ts and src/model/cvss.ts, evaluated when first called).
 */
async function staticClosure(entries: string[]): Promise<Set<string>> {
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: entries.map((e) => join(ROOT, e)), absWorkingDir: ROOT, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20',
    outdir: join(tmpdir(), 'vigil-closure'), write: false, metafile: true, logLevel: 'silent',
    external: ['better-sqlite3', 'pg', 'ssh2', 'cpu-features', 'web-tree-sitter', 'tree-sitter-python', 'typescript'], define: { VIGIL_TESTPOINTS: 'false' },
  });
  const seen = new Set<string>(entries);
  const queue = [...entries];
  while (queue.length) {
    const from = queue.shift()!;
    for (const i of r.metafile.inputs[from]?.imports ?? []) {
      const stat = i.kind === 'import-statement' || (i.kind === 'require-call' && !from.startsWith('src/'));
      if (stat && !seen.has(i.path)) { seen.add(i.path); queue.push(i.path); }
    }
  }
  return seen;
}

const packagesIn = (closure: Set<string>, names: string[]): string[] => names.filter((n) => [...closure].some((p) => p.startsWith(`node_modules/${n}/`)));

test('start-up: a scan loads a lockfile format\'s parser with its first lockfile, and the CLI loads no parser at all', async () => {
  // every extractor's fileRequired is asked of every file, so the registry is loaded by every scan:
  // the parsers of YAML, TOML, XML, yarn.lock and zip files (and zod, which checks lockfile entries) are imported by the plugins' extract() instead
  const extractors = await staticClosure(['src/extractors/index.ts']);
  assert.deepEqual(packagesIn(extractors, ['yaml', 'js-yaml', '@yarnpkg/parsers', 'smol-toml', 'yauzl', 'fast-xml-parser', 'zod']), []);
  // the sources every scan opens (directories, images, archives) check their documents without zod
  assert.deepEqual(packagesIn(await staticClosure(['src/sources/index.ts']), ['zod']), []);
  // the command that forks the scan process and renders its report
  const cli = await staticClosure(['src/cli/main.ts', 'src/cli/scan.ts', 'src/engine/isolate.ts', 'src/integrations/report/index.ts', 'src/store/index.ts']);
  assert.deepEqual(packagesIn(cli, ['yaml', 'ae-cvss-calculator', 'packageurl-js', 'zod']), []);
});

test('start-up: the isolated scan process loads no logger, CVSS calculator or network policy before its task needs them', async () => {
  // pino comes with the first message logged at an enabled level (log.ts lazyLogger), the CVSS
  // calculator with the first vector scored (model/cvss.ts), packageurl-js (and the Intl.Collator its
  // module makes) with the first purl (model/purl.ts), the target policy (node:https, ipaddr.js)
  // with an engine task (isolate-tasks.ts policyOf): an empty `vigil scan` uses none of them
  const child = await staticClosure(['src/engine/isolate-child.ts']);
  assert.deepEqual(packagesIn(child, ['pino', 'ae-cvss-calculator', 'packageurl-js', 'ipaddr.js']), []);
  assert.ok(![...child].some((p) => p.startsWith('src/policy/')), 'the policy modules are not in the scan process\'s static closure');
  // nor what the scan of a target imports (the registry of extractors, the sources, matching)
  const scan = await staticClosure(['src/inventory/index.ts', 'src/extractors/index.ts', 'src/sources/index.ts', 'src/matching/index.ts', 'src/vulndb/query.ts', 'src/findings/scan-result.ts', 'src/store/index.ts']);
  assert.deepEqual(packagesIn(scan, ['pino', 'ae-cvss-calculator', 'packageurl-js', 'ipaddr.js']), []);
});

test('the bundle\'s packageurl-js compares as the library does, and makes its collator only for what is not two numbers', async () => {
  // @ts-expect-error a build script (plain JavaScript)
  const { lazyCollator } = await import('../scripts/bundle-options.mjs');
  const path = join(ROOT, 'node_modules', 'packageurl-js', 'src', 'strings.js');
  const load = (src: string): { localeCompare: (a: unknown, b: unknown) => number } => {
    const module = { exports: {} as { localeCompare: (a: unknown, b: unknown) => number } };
    new Function('module', 'exports', 'require', src)(module, module.exports, createRequire(path));
    return module.exports;
  };
  const original = load(readFileSync(path, 'utf8'));
  const lazy = load(lazyCollator(readFileSync(path, 'utf8')));
  const sign = (n: number) => Math.sign(n);
  // the sort keys purl-component.js compares (0–7 for known components, the name otherwise), and more
  const keys: unknown[] = [...Array.from({ length: 25 }, (_, i) => i), 100, 1000, 'type', 'qualifierKey', 'Name', 'name', 'subpath', '10', '2', 'é', 'e'];
  for (const a of keys) for (const b of keys) assert.equal(sign(lazy.localeCompare(a, b)), sign(original.localeCompare(a, b)), `${String(a)} vs ${String(b)}`);
  assert.throws(() => lazyCollator('// no collator here'), /packageurl-js changed/);
});
