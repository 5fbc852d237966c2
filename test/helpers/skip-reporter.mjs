/**
 * Test reporter for `npm test`: Node's own reporter (spec on a terminal, TAP otherwise, as without
 * `--test-reporter`) plus, before the run's closing totals, one line per skipped suite or test with
 * its file and reason, and the number of each. Node's "skipped N" counts tests only: a whole suite
 * skipped counts as nothing there, which is how 18 suites once skipped behind "skipped 5".
 *
 * Suites that failed by themselves (a hook or the suite body threw) are listed too: Node's "fail" counts
 * tests only. The closing `# tests / # pass / # fail …` lines stay last, as the built-in reporter
 * prints them; the exit code is the runner's own.
 */
// Plain JavaScript: Node loads reporters before --import hooks apply, so tsx cannot compile it.
import { relative, resolve } from 'node:path';
import { spec, tap } from 'node:test/reporters';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** @typedef {{ file: string, name: string, kind: 'suite' | 'test', reason: string }} Skipped */
/** @typedef {{ type: string, data: { name?: string, nesting?: number, file?: string, skip?: string | boolean, message?: string, details?: { type?: string } } }} ReporterEvent */

/** The skips seen so far, and the synthetic diagnostics that list them (inserted once, before the totals). */
/** @param {AsyncIterable<ReporterEvent>} source @returns {AsyncGenerator<ReporterEvent>} */
async function* withSkipList(source) {
  /** @type {Skipped[]} */
  const skipped = [];
  /** @type {string[]} */
  const failedSuites = [];
  let listed = false;
  const list = function* () {
    listed = true;
    /** @param {string} message @returns {ReporterEvent} */
    const diag = (message) => ({ type: 'test:diagnostic', data: { nesting: 0, message } });
    for (const s of skipped) yield diag(`SKIPPED ${s.kind} ${s.file} › ${s.name}: ${s.reason}`);
    const suites = skipped.filter((s) => s.kind === 'suite').length;
    yield diag(`skipped suites ${suites}, skipped tests ${skipped.length - suites}`);
    // a suite failing by itself (its body or a hook threw, e.g. a missing prerequisite in CI) makes
    // the run fail but is not in Node's "fail" count, which counts tests only
    for (const f of failedSuites) yield diag(`FAILED suite ${f}`);
    if (failedSuites.length) yield diag(`failed suites ${failedSuites.length} (not counted in "fail" below)`);
  };
  for await (const e of source) {
    if (e.type === 'test:pass' && e.data.skip) {
      skipped.push({
        file: e.data.file ? relative(ROOT, e.data.file) : '?',
        name: e.data.name ?? '?',
        kind: e.data.details?.type === 'suite' ? 'suite' : 'test',
        reason: typeof e.data.skip === 'string' ? e.data.skip : '(no reason given)',
      });
    }
    if (e.type === 'test:fail' && e.data.details?.type === 'suite') {
      failedSuites.push(`${e.data.file ? relative(ROOT, e.data.file) : '?'} › ${e.data.name ?? '?'}`);
    }
    // the run's totals are diagnostics at nesting 0 without a file, starting with "tests N"
    if (!listed && e.type === 'test:diagnostic' && e.data.nesting === 0 && !e.data.file && /^tests \d+$/.test(e.data.message ?? '')) yield* list();
    yield e;
  }
  if (!listed) yield* list();
}

/** @param {AsyncIterable<ReporterEvent>} source */
export default async function* reporter(source) {
  if (process.stdout.isTTY) {
    // spec is a Transform stream: feed it and read it back
    const s = spec();
    void (async () => {
      for await (const e of withSkipList(source)) s.write(e);
      s.end();
    })();
    for await (const chunk of s) yield String(chunk);
  } else {
    for await (const line of tap(withSkipList(source))) yield line;
  }
}
