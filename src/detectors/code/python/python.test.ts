import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { HOW, needs, onPath } from '../../../../test/helpers/prereq.ts';
import { annotations, corpusFiles, key } from './corpus.ts';
import { analyzePython, PYTHON_RULES } from './index.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const corpus = () => corpusFiles(TESTDATA).map((p) => ({ path: relative(TESTDATA, p), text: readFileSync(p, 'utf8') }));
const ann = annotations(TESTDATA);
const expected = new Set(ann.filter((a) => a.kind === 'ruleid').map(key));
const decoys = new Set(ann.filter((a) => a.kind === 'ok').map(key));

/** recall over the planted flaws, false positives over the safe look-alikes */
function score(found: Set<string>): { recall: number; fp: number; line: string } {
  const recall = [...expected].filter((k) => found.has(k)).length;
  const fp = [...decoys].filter((k) => found.has(k)).length;
  return { recall, fp, line: `recall ${recall}/${expected.size}, false positives ${fp}/${decoys.size}` };
}

async function vigil(): Promise<Set<string>> {
  const { findings } = await analyzePython(corpus());
  return new Set(findings.map((f) => key({ file: f.location.path, line: f.location.line, rule: f.rule })));
}

describe('python SAST corpus', () => {
  it('finds exactly the planted flaws', async () => {
    const { findings, errors } = await analyzePython(corpus());
    const found = new Set(findings.map((f) => key({ file: f.location.path, line: f.location.line, rule: f.rule })));
    console.log(`vigil python: ${score(found).line}`);
    assert.deepEqual([...found].filter((k) => !expected.has(k)).sort(), [], 'findings on lines not marked ruleid');
    assert.deepEqual([...expected].filter((k) => !found.has(k)).sort(), [], 'planted flaws missed');
    assert.deepEqual(errors, [{ path: 'sad/syntax_error.py', rule: 'python/parse', message: 'syntax error at line 1, column 12: analysed what parsed' }]);
  });

  it('covers every rule with planted flaws and look-alikes', () => {
    for (const r of PYTHON_RULES) {
      assert.ok(ann.filter((a) => a.kind === 'ruleid' && a.rule === r.id).length >= 3, `${r.id}: fewer than 3 planted flaws`);
      assert.ok(ann.some((a) => a.kind === 'ok' && a.rule === r.id), `${r.id}: no safe look-alike`);
    }
  });

  it('explains each finding: location, snippet, CWE, severity, trace, remediation, fixes', async () => {
    const { findings } = await analyzePython(corpus());
    for (const f of findings) {
      const meta = PYTHON_RULES.find((r) => r.id === f.rule)!;
      assert.deepEqual(f.cwe, [meta.cwe]);
      assert.ok(f.location.line > 0 && f.location.column > 0 && f.snippet.length > 0 && f.remediation.length > 0);
      const line = readFileSync(join(TESTDATA, f.location.path), 'utf8').split('\n')[f.location.line - 1];
      assert.ok(f.snippet.startsWith(line), `${f.location.path}:${f.location.line}: snippet is the sink's line`);
      if (meta.taint && f.rule !== 'python/unsafe-deserialization') {
        assert.equal(f.trace[0].kind, 'source', `${key({ file: f.location.path, line: f.location.line, rule: f.rule })}: trace starts at a source`);
        assert.equal(f.trace.at(-1)!.kind, 'sink');
        assert.equal(f.trace.at(-1)!.location.line, f.location.line);
      }
    }
    const cmd = findings.find((f) => f.location.path === 'command_injection.py' && f.location.line === 13)!;
    assert.deepEqual(cmd.trace.map((s) => [s.kind, s.location.line, s.label]), [
      ['source', 30, 'request.form (Flask request)'],
      ['call', 30, 'passed to run_tool(arg)'],
      ['propagation', 13, 'concatenated with +'],
      ['sink', 13, 'os.popen() runs a shell command'],
    ]);
    const fixes = findings.filter((f) => f.fix?.replacement).map((f) => `${f.location.path}:${f.location.line} ${f.fix!.replacement!.trim()}`);
    assert.ok(fixes.includes('weak_crypto.py:12 return hashlib.sha256(password.encode()).hexdigest()'), fixes.join('\n'));
    assert.ok(fixes.includes("weak_crypto.py:17 h = hashlib.new('sha256')"));
    assert.ok(fixes.includes('tls.py:12 return requests.get(url, verify=True, timeout=5)'));
    assert.ok(fixes.includes('tls.py:22 ctx = ssl.create_default_context()'));
    assert.ok(fixes.includes('deserialization.py:20 config = yaml.safe_load(body)'));
    // yaml.load of the Lambda event: one finding, with the trace and the mechanical fix
    const yml = findings.filter((f) => f.location.path === 'deserialization.py' && f.location.line === 20);
    assert.equal(yml.length, 1);
    assert.equal(yml[0].trace[0].label, 'event (AWS Lambda event of handler)');
  });

  it('records bad input as per-file errors and goes on', async () => {
    const big = 'x = 1\n'.repeat(400_000);
    const { findings, errors } = await analyzePython([
      { path: 'huge.py', text: big },
      { path: 'binary.py', text: 'import os\u0000\u0001' },
      { path: 'minified.py', text: `x = "${'a'.repeat(30_000)}"` },
      { path: 'garbage.py', text: ')))(((\n\u{fffd}\u{fffd} def def def\n' },
      { path: 'ok.py', text: 'import os\nos.system(input())\n' },
    ]);
    assert.deepEqual(errors.map((e) => `${e.path} ${e.rule}`), ['huge.py python/too-large', 'binary.py python/binary', 'minified.py python/too-large', 'garbage.py python/parse']);
    assert.deepEqual(findings.map((f) => `${f.location.path}:${f.location.line} ${f.rule}`), ['ok.py:2 python/command-injection']);
    assert.deepEqual(await analyzePython([]), { findings: [], errors: [] });
  });

  it('walks long chains and deep nesting without blowing the stack or the time', async () => {
    const chain = `import os\nx = input()\nos.system(${Array(5000).fill('x').join(' +\n ')})\n`;
    // 25 nested loops: each loop walked twice would be 2^25 walks
    const loops = `import os\ndef handler(event, context):\n${Array.from({ length: 25 }, (_, i) => `${' '.repeat(4 * (i + 1))}for a${i} in event:\n`).join('')}${' '.repeat(104)}os.system(a24)\n`;
    const { findings, errors } = await analyzePython([{ path: 'chain.py', text: chain }, { path: 'loops.py', text: loops }]);
    assert.deepEqual(errors, []);
    assert.deepEqual(findings.map((f) => `${f.location.path}:${f.location.line} ${f.rule} ${f.severity}`), ['chain.py:3 python/command-injection HIGH', 'loops.py:28 python/command-injection CRITICAL']);
  });

  it('keeps the layer of a file', async () => {
    const layer = { index: 2, digest: 'sha256:abc' };
    const { findings } = await analyzePython([{ path: 'app/x.py', text: 'import hashlib\nhashlib.md5(b"")\n', layer }]);
    assert.deepEqual(findings[0].location.layer, layer);
  });
});

// bandit test ids → our rules (bandit 1.6.2, Debian's package). Ids not listed (B101 assert, B404
// import subprocess, B403 import pickle, B413 import pycrypto, B322 input() on Python 2, …) have
// no rule of ours and sit on lines the corpus does not annotate.
const BANDIT_RULES: Record<string, string> = {
  B602: 'command-injection', B603: 'command-injection', B604: 'command-injection', B605: 'command-injection', B606: 'command-injection', B607: 'command-injection', B609: 'command-injection',
  B608: 'sql-injection', B610: 'sql-injection', B611: 'sql-injection',
  B102: 'code-injection', B307: 'code-injection',
  B310: 'ssrf',
  B301: 'unsafe-deserialization', B302: 'unsafe-deserialization', B506: 'unsafe-deserialization',
  B308: 'xss', B701: 'xss', B702: 'xss', B703: 'xss', B704: 'xss',
  B303: 'weak-hash', B324: 'weak-hash',
  B304: 'weak-cipher', B305: 'weak-cipher',
  B323: 'tls-verification-disabled', B501: 'tls-verification-disabled', B502: 'tls-verification-disabled', B503: 'tls-verification-disabled', B504: 'tls-verification-disabled',
  B105: 'hardcoded-credentials', B106: 'hardcoded-credentials', B107: 'hardcoded-credentials',
};

describe('python SAST beside bandit', () => {
  const bandit = onPath('bandit');
  it('has at least bandit\'s recall and no more false positives, every difference explained', { skip: needs('bandit', bandit, HOW.apt('bandit')) }, async () => {
    let out: string;
    try {
      out = execFileSync('bandit', ['-q', '-f', 'json', '-r', '.'], { cwd: TESTDATA, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      // bandit exits 1 when it finds something
      out = (e as { stdout?: string }).stdout ?? '';
    }
    const report = JSON.parse(out) as { results: { filename: string; line_number: number; test_id: string }[] };
    const bfound = new Set<string>();
    let outside = 0;
    for (const r of report.results) {
      const rule = BANDIT_RULES[r.test_id];
      const k = rule ? key({ file: relative('.', r.filename).replace(/^\.\//, ''), line: r.line_number, rule: `python/${rule}` }) : undefined;
      if (k && (expected.has(k) || decoys.has(k))) bfound.add(k);
      else outside++;
    }
    const ours = await vigil();
    const v = score(ours), b = score(bfound);
    console.log(`vigil python:  ${v.line}`);
    console.log(`bandit ${execFileSync('bandit', ['--version'], { encoding: 'utf8' }).split('\n')[0].replace('bandit ', '')}: ${b.line} (${outside} more bandit results outside the rules compared: import warnings, asserts, …)`);
    assert.ok(v.recall >= b.recall, 'recall below bandit');
    assert.ok(v.fp <= b.fp, 'more false positives than bandit');

    // every annotated line where the two disagree is listed, with its reason, in bandit-differences.txt
    const diffs: string[] = [];
    for (const k of [...expected, ...decoys].sort()) {
      if (ours.has(k) === bfound.has(k)) continue;
      diffs.push(`${k} ${expected.has(k) ? (ours.has(k) ? 'vigil-only' : 'bandit-only') : (ours.has(k) ? 'vigil-fp' : 'bandit-fp')}`);
    }
    const file = join(TESTDATA, 'bandit-differences.txt');
    const text = readFileSync(file, 'utf8');
    let explained = text.split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => /^(\S+ \S+ \S+)\s+(\S+)/.exec(l)).filter((m): m is RegExpExecArray => !!m);
    if (process.env.UPDATE_GOLDEN === '1') {
      // keeps the reasons of lines still there; a new difference gets "TODO" (the check below then fails until it is explained)
      const reasons = new Map(explained.map((m) => [m[1], m[2]]));
      const header = text.split('\n').filter((l) => l.startsWith('#'));
      writeFileSync(file, [...header, ...diffs.map((d) => `${d}  ${reasons.get(d) ?? 'TODO'}`)].join('\n') + '\n');
      explained = diffs.map((d) => /^(\S+ \S+ \S+)\s+(\S+)/.exec(`${d}  ${reasons.get(d) ?? 'TODO'}`)!);
    }
    for (const m of explained) assert.match(m[2], /^(bandit|vigil)-[a-z0-9-]+$/, `reason code for ${m[1]} (see README.md, Beside bandit)`);
    assert.deepEqual(diffs, explained.map((m) => m[1]), 'bandit-differences.txt lists every difference (regenerate the keys, keep the reasons)');

    // the README's figures are these
    const readme = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8');
    assert.ok(readme.includes(`| Vigil | ${v.recall}/${expected.size} | ${v.fp}/${decoys.size} |`), 'README: Vigil row');
    assert.ok(readme.includes(`| bandit 1.6.2 | ${b.recall}/${expected.size} | ${b.fp}/${decoys.size} |`), 'README: bandit row');
    const counts = new Map<string, number>();
    for (const m of explained) counts.set(m[2], (counts.get(m[2]) ?? 0) + 1);
    for (const [reason, count] of counts) assert.ok(readme.includes(`| ${reason} | ${count} |`), `README: ${reason} ${count}`);
  });
});
