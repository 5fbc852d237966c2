/**
 * Data-driven tests for version schemes.
 *
 * Every scheme folder has a hand-written `vectors.txt` and, where a native tool exists, a
 * `vectors.generated.txt` made by a script beside it. Both use one comparison a line:
 *
 * ```
 * # comment lines start with '#'; blank lines are ignored
 * 1:1.0-1 > 1.0-9
 * 1.0~rc1 < 1.0
 * 1.0 == 1.00      # a trailing comment needs whitespace before the '#'
 * ```
 *
 * Versions cannot contain whitespace. The checker tests each pair both ways: `compare(a, b)` must
 * have the sign of the operator and `compare(b, a)` the opposite sign (both 0 for `==`).
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'node:test';
import type { VersionScheme } from './types.ts';

export type VectorOp = '<' | '>' | '==';

export interface Vector {
  readonly a: string;
  readonly op: VectorOp;
  readonly b: string;
  /** file name and 1-based line, for messages */
  readonly where: string;
}

const LINE = /^(\S+)\s+(<|>|==)\s+(\S+)$/;

/**
 * Parses vector text.
 * @throws Error naming the file and line when a line is not `A op B`
 */
export function parseVectors(text: string, file: string): Vector[] {
  const out: Vector[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    // A comment starts at a '#' that begins the line or follows whitespace: versions may contain
    // no whitespace, so this never cuts a version in half.
    const line = rawLine.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const m = LINE.exec(line);
    if (!m) throw new Error(`${file}:${i + 1}: expected "A < B", "A > B" or "A == B", got ${JSON.stringify(rawLine)}`);
    out.push({ a: m[1], op: m[2] as VectorOp, b: m[3], where: `${file}:${i + 1}` });
  });
  return out;
}

function dirPath(dir: string | URL): string {
  return dir instanceof URL ? fileURLToPath(dir) : dir.startsWith('file:') ? fileURLToPath(dir) : dir;
}

/**
 * Reads `vectors.txt` (required) and `vectors.generated.txt` (optional) from a scheme folder.
 * `dir` may be a path or a `file:` URL such as `new URL('.', import.meta.url)`.
 */
export function loadVectors(dir: string | URL): { file: string; vectors: Vector[] }[] {
  const base = dirPath(dir);
  const files: { file: string; vectors: Vector[] }[] = [];
  for (const name of ['vectors.txt', 'vectors.generated.txt']) {
    const path = join(base, name);
    if (!existsSync(path)) {
      if (name === 'vectors.txt') throw new Error(`${path}: missing`);
      continue;
    }
    files.push({ file: name, vectors: parseVectors(readFileSync(path, 'utf8'), name) });
  }
  return files;
}

function expectedSign(op: VectorOp): number {
  return op === '<' ? -1 : op === '>' ? 1 : 0;
}

/**
 * Checks vectors against a scheme both ways and returns one message per failure (empty = all pass).
 * A parse error is a failure too: vectors only hold valid versions.
 */
export function checkVectors<V extends { readonly raw: string }>(scheme: VersionScheme<V>, vectors: readonly Vector[]): string[] {
  const failures: string[] = [];
  for (const v of vectors) {
    let a: V, b: V;
    try {
      a = scheme.parse(v.a);
      b = scheme.parse(v.b);
    } catch (e) {
      failures.push(`${v.where}: ${v.a} ${v.op} ${v.b}: parse failed: ${(e as Error).message}`);
      continue;
    }
    const want = expectedSign(v.op);
    const ab = Math.sign(scheme.compare(a, b));
    const ba = Math.sign(scheme.compare(b, a));
    if (ab !== want || ba !== -want) {
      failures.push(`${v.where}: ${v.a} ${v.op} ${v.b}: compare(a,b)=${ab}, compare(b,a)=${ba}`);
    }
  }
  return failures;
}

/**
 * Registers one node:test test per vector file of a scheme folder. Call from the scheme's test:
 * `testVectors(scheme, new URL('.', import.meta.url))`.
 * @param minimum the least number of vectors each file must hold (guards against a truncated file)
 */
export function testVectors<V extends { readonly raw: string }>(scheme: VersionScheme<V>, dir: string | URL, minimum = 1): void {
  for (const { file, vectors } of loadVectors(dir)) {
    test(`${scheme.id} ${file}: ${vectors.length} comparisons hold both ways`, () => {
      if (vectors.length < minimum) throw new Error(`${file}: only ${vectors.length} vectors, want at least ${minimum}`);
      const failures = checkVectors(scheme, vectors);
      if (failures.length > 0) {
        throw new Error(`${failures.length} of ${vectors.length} failed:\n${failures.slice(0, 50).join('\n')}`);
      }
    });
  }
}
