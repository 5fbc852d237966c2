/**
 * bench/code — issue 17's code-security workloads, each timed with its peak memory (every phase
 * runs in a child process of its own, so its max RSS is its own):
 *
 * 1. secrets over an image: an OCI layout of BENCH_IMAGE_MB (default 1024) MB of text files in two
 *    layers (64 KiB files of config- and source-like lines, 24 planted secrets), opened by the real
 *    image source with the secret scanner's content filter, then scanSecrets;
 * 2. secrets over a repository of BENCH_REPO_FILES files (default 100,000) and BENCH_REPO_COMMITS
 *    commits (default 10,000), written with `git fast-import` (each commit after the first changes 5
 *    files; every 500th adds a secret to one of them, gone from HEAD when a later commit rewrites that
 *    file): the history scan (scanGitHistory over
 *    the bare clone) and the tree scan (scanSecrets over the git source's checkout of HEAD);
 * 3. SAST over BENCH_SAST_LINES lines (default 200,000) of real Python (this machine's standard
 *    library, /usr/lib/python3.11) and as many of real JavaScript (node_modules, unminified), with
 *    bandit's time and peak memory on the same Python files beside Vigil's.
 *
 * The generated inputs are cached under .cache/bench-code (seeded: the same every run). Prints one
 * line per phase; no thresholds. Run: node --import tsx bench/code.ts   (BENCH_PHASES=image,repo,sast)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { seededRandom } from '../test/helpers/random.ts';
import { tokenGenerator } from '../src/detectors/secrets/testutil.ts';

const ROOT = join(import.meta.dirname, '..');
const CACHE = join(ROOT, '.cache', 'bench-code');
const IMAGE_MB = Number(process.env.BENCH_IMAGE_MB ?? 1024);
const REPO_FILES = Number(process.env.BENCH_REPO_FILES ?? 100_000);
const REPO_COMMITS = Number(process.env.BENCH_REPO_COMMITS ?? 10_000);
const SAST_LINES = Number(process.env.BENCH_SAST_LINES ?? 200_000);
const PHASES = (process.env.BENCH_PHASES ?? 'image,repo,sast').split(',');

const WORDS = ['server', 'listen', 'port', 'timeout', 'retries', 'cache', 'level', 'name', 'path', 'enabled', 'user', 'region', 'bucket', 'queue', 'worker', 'limit'];
/** A line of config or code, seeded. */
function fillerLine(r: ReturnType<typeof seededRandom>, i: number): string {
  switch (r.int(4)) {
    case 0: return `${r.pick(WORDS)}_${r.pick(WORDS)} = ${r.int(100000)}`;
    case 1: return `def ${r.pick(WORDS)}_${i}(x): return x + ${r.int(1000)}`;
    case 2: return `  "${r.pick(WORDS)}": "${r.pick(WORDS)}-${r.int(1 << 20).toString(16)}",`;
    default: return `# ${r.pick(WORDS)} ${r.pick(WORDS)} ${r.pick(WORDS)} ${r.int(1000)}`;
  }
}
function fillerFile(r: ReturnType<typeof seededRandom>, bytes: number): string {
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) { const l = fillerLine(r, i); lines.push(l); n += l.length + 1; }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// 1. the image: an OCI layout, two uncompressed layers written as streams

async function buildImage(dir: string): Promise<number> {
  const marker = join(dir, 'done');
  if (existsSync(marker)) return Number(readFileSync(marker, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const r = seededRandom(0xc0de);
  const gen = tokenGenerator(41);
  const kinds = ['ghp', 'aws-id', 'stripe-live', 'slack-bot', 'openssh', 'npm'];
  let planted = 0;
  const layers: { digest: string; size: number }[] = [];
  const perLayer = Math.ceil((IMAGE_MB * 1024 * 1024) / 2);
  for (let l = 0; l < 2; l++) {
    const pack = tar.pack();
    const tmp = join(dir, `layer-${l}.tar`);
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp);
    pack.on('data', (c: unknown) => { const b = c as Buffer; hash.update(b); size += b.length; });
    const done = pipeline(pack, out);
    let written = 0;
    for (let i = 0; written < perLayer; i++) {
      let text = fillerFile(r, 64 * 1024);
      if (i % 700 === 0 && planted < 24) {
        const k = kinds[planted % kinds.length];
        const v = gen.make(k as never);
        text += k === 'openssh' ? `${v}\n` : `token = "${v}"\n`;
        planted++;
      }
      const name = `srv/app${l}/d${Math.floor(i / 500)}/f${i}.${i % 3 === 0 ? 'py' : i % 3 === 1 ? 'conf' : 'json'}`;
      await new Promise<void>((res, rej) => pack.entry({ name, size: Buffer.byteLength(text) }, text, (e) => (e ? rej(e) : res())));
      written += text.length;
    }
    pack.finalize();
    await done;
    const digest = hash.digest('hex');
    execFileSync('mv', [tmp, join(dir, 'blobs', 'sha256', digest)]);
    layers.push({ digest, size });
  }
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((x) => `sha256:${x.digest}`) }, history: [{ created_by: 'COPY app0 /srv' }, { created_by: 'COPY app1 /srv' }] });
  const blob = (s: string) => { const d = createHash('sha256').update(s).digest('hex'); writeFileSync(join(dir, 'blobs', 'sha256', d), s); return { digest: `sha256:${d}`, size: Buffer.byteLength(s) }; };
  const cfg = blob(config);
  const manifest = blob(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
    layers: layers.map((x) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${x.digest}`, size: x.size })) }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(marker, String(planted));
  return planted;
}

// ---------------------------------------------------------------------------------------------
// 2. the repository, by git fast-import

async function buildRepo(dir: string): Promise<number> {
  const marker = join(dir, 'done');
  if (existsSync(marker)) return Number(readFileSync(marker, 'utf8'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir]);
  const r = seededRandom(0x9e7);
  const gen = tokenGenerator(43);
  const child = spawn('git', ['--git-dir', dir, 'fast-import', '--quiet'], { stdio: ['pipe', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdin.on('error', () => {}); // fast-import's exit is reported below, with its message
  const exited = new Promise<number>((res) => child.on('exit', (c) => res(c ?? 1)));
  const w = (s: string) => new Promise<void>((res) => { if (child.stdin.write(s)) res(); else child.stdin.once('drain', () => res()); });
  const data = async (s: string) => { await w(`data ${Buffer.byteLength(s)}\n`); await w(s); await w('\n'); };
  let planted = 0;
  let when = Date.parse('2024-01-01T00:00:00Z') / 1000;
  const secretAt = new Map<string, string>();
  for (let c = 0; c < REPO_COMMITS; c++) {
    when += 600;
    await w(`commit refs/heads/main\ncommitter Bench Dev <bench@example.test> ${when} +0000\n`);
    await data(`commit ${c}`);
    const touched: string[] = c === 0 ? Array.from({ length: REPO_FILES }, (_, i) => `src/m${Math.floor(i / 1000)}/f${i}.py`) : Array.from({ length: 5 }, () => `src/m${r.int(Math.ceil(REPO_FILES / 1000))}/f${r.int(REPO_FILES)}.py`);
    for (const [i, path] of touched.entries()) {
      let text = c === 0 ? fillerFile(r, 160) : fillerFile(r, 400);
      if (c > 0 && c % 500 === 0 && i === 0) {
        const v = gen.make('ghp');
        text += `GITHUB_TOKEN = "${v}"\n`;
        secretAt.set(path, v);
        planted++;
      }
      await w(`M 100644 inline ${path}\n`);
      await data(text);
    }
  }
  child.stdin.end();
  if ((await exited) !== 0) throw new Error(`git fast-import failed: ${stderr.slice(-2000)}`);
  writeFileSync(marker, String(planted));
  return planted;
}

// ---------------------------------------------------------------------------------------------
// 3. real source code for SAST

function collect(dir: string, ext: RegExp, skip: RegExp, budget: number): { files: string[]; lines: number } {
  const files: string[] = [];
  let lines = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (lines >= budget) return;
      const p = join(d, e.name);
      if (e.isDirectory()) { if (!skip.test(p)) walk(p); continue; }
      if (!e.isFile() || !ext.test(e.name) || skip.test(p) || statSync(p).size > 1024 * 1024) continue;
      const text = readFileSync(p, 'utf8');
      if (text.split('\n').some((l) => l.length > 5000)) continue; // minified
      files.push(p);
      lines += text.split('\n').length;
    }
  };
  walk(dir);
  return { files, lines };
}

// ---------------------------------------------------------------------------------------------
// phases, each in a child process

async function phase(name: string): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const out: Record<string, unknown> = {};
  switch (name) {
    case 'image': {
      const { openTarget } = await import('../src/sources/index.ts');
      const { scanSecrets, secretContentFilter } = await import('../src/detectors/secrets/index.ts');
      const fs = await openTarget(join(CACHE, `image-${IMAGE_MB}`), 'image', { filter: secretContentFilter });
      const t1 = performance.now();
      try {
        const r = await scanSecrets(fs);
        Object.assign(out, { openMs: t1 - t0, scanMs: performance.now() - t1, findings: r.findings.length, errors: r.errors.length });
      } finally { await fs.close(); }
      break;
    }
    case 'repo-history': {
      const { scanGitHistory } = await import('../src/detectors/secrets/index.ts');
      const r = await scanGitHistory(join(CACHE, `repo-${REPO_FILES}-${REPO_COMMITS}.git`));
      Object.assign(out, { findings: r.findings.length, removed: r.findings.filter((f) => f.location.commit && !f.location.commit.inHead).length, errors: r.errors.length });
      break;
    }
    case 'repo-tree': {
      const { openTarget } = await import('../src/sources/index.ts');
      const { scanSecrets, secretContentFilter } = await import('../src/detectors/secrets/index.ts');
      const fs = await openTarget(join(CACHE, `repo-${REPO_FILES}-${REPO_COMMITS}.git`), 'git', { filter: secretContentFilter });
      const t1 = performance.now();
      try {
        const r = await scanSecrets(fs);
        Object.assign(out, { checkoutMs: t1 - t0, scanMs: performance.now() - t1, findings: r.findings.length, errors: r.errors.length });
      } finally { await fs.close(); }
      break;
    }
    case 'sast-python':
    case 'sast-js': {
      const py = name === 'sast-python';
      const { files, lines } = py
        ? collect('/usr/lib/python3.11', /\.py$/, /\/(test|tests|idlelib|lib2to3|__pycache__)\//, SAST_LINES)
        : collect(join(ROOT, 'node_modules'), /\.(js|mjs|cjs)$/, /\.min\.js$|\/(test|tests|dist|umd|esm|typescript|@esbuild|esbuild)\//, SAST_LINES);
      const input = files.map((p) => ({ path: relative(py ? '/usr/lib/python3.11' : ROOT, p), text: readFileSync(p, 'utf8') }));
      const t1 = performance.now();
      const { analyzeCode } = await import('../src/detectors/code/index.ts');
      const r = await analyzeCode(input);
      Object.assign(out, { files: files.length, lines, readMs: t1 - t0, analyzeMs: performance.now() - t1, findings: r.findings.length, errors: r.errors.length });
      if (py) writeFileSync(join(CACHE, 'python-files.txt'), files.join('\n'));
      break;
    }
  }
  return { ...out, totalMs: performance.now() - t0, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

function runChild(name: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--phase', name], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`phase ${name} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const fmt = (ms: unknown) => `${(Number(ms) / 1000).toFixed(1)} s`;
const i = process.argv.indexOf('--phase');
if (i > 0) {
  process.stdout.write(JSON.stringify(await phase(process.argv[i + 1])) + '\n');
} else {
  mkdirSync(CACHE, { recursive: true });
  if (PHASES.includes('image')) {
    const t = performance.now();
    const planted = await buildImage(join(CACHE, `image-${IMAGE_MB}`));
    const built = performance.now() - t;
    const x = runChild('image');
    console.log(`secrets, image of ${IMAGE_MB} MB (2 layers, ${planted} planted): open ${fmt(x.openMs)}, scan ${fmt(x.scanMs)}, total ${fmt(x.totalMs)}, peak ${Number(x.maxRssMb).toFixed(0)} MB | ${x.findings} findings, ${x.errors} errors (built in ${fmt(built)}, cached)`);
  }
  if (PHASES.includes('repo')) {
    const t = performance.now();
    const planted = await buildRepo(join(CACHE, `repo-${REPO_FILES}-${REPO_COMMITS}.git`));
    const built = performance.now() - t;
    const h = runChild('repo-history');
    const tr = runChild('repo-tree');
    console.log(`secrets, repository of ${REPO_FILES} files and ${REPO_COMMITS} commits (${planted} secrets added in history): history ${fmt(h.totalMs)}, peak ${Number(h.maxRssMb).toFixed(0)} MB, ${h.findings} findings (${h.removed} no longer in HEAD) | tree: checkout ${fmt(tr.checkoutMs)}, scan ${fmt(tr.scanMs)}, peak ${Number(tr.maxRssMb).toFixed(0)} MB, ${tr.findings} findings (built in ${fmt(built)}, cached)`);
  }
  if (PHASES.includes('sast')) {
    const p = runChild('sast-python');
    let bandit = 'bandit not installed';
    const list = join(CACHE, 'python-files.txt');
    if (spawnSync('bandit', ['--version']).status === 0 && existsSync(list)) {
      const files = readFileSync(list, 'utf8').split('\n').filter(Boolean);
      const t = performance.now();
      const b = spawnSync('/usr/bin/time', ['-f', '%M', 'bandit', '-q', '-f', 'json', '-o', join(CACHE, 'bandit.json'), ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
      const kb = Number((b.stderr.trim().split('\n').at(-1) ?? '').trim());
      bandit = `bandit ${fmt(performance.now() - t)}, peak ${Number.isFinite(kb) ? (kb / 1024).toFixed(0) : '?'} MB (${(performance.now() - t) / Number(p.analyzeMs) > 0 ? ((performance.now() - t) / Number(p.analyzeMs)).toFixed(1) : '?'}× Vigil's analysis time)`;
    }
    console.log(`SAST, Python (${p.files} files, ${p.lines} lines of /usr/lib/python3.11): analyse ${fmt(p.analyzeMs)}, peak ${Number(p.maxRssMb).toFixed(0)} MB, ${p.findings} findings, ${p.errors} per-file errors | ${bandit}`);
    const j = runChild('sast-js');
    console.log(`SAST, JavaScript (${j.files} files, ${j.lines} lines of node_modules): analyse ${fmt(j.analyzeMs)}, peak ${Number(j.maxRssMb).toFixed(0)} MB, ${j.findings} findings, ${j.errors} per-file errors`);
  }
}
