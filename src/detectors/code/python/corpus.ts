/**
 * The test corpus's annotations (Semgrep's convention): a `# ruleid: python/<rule>` comment marks the
 * next code line as a planted flaw of that rule, `# ok: python/<rule>` as a safe look-alike.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Annotation { file: string; line: number; rule: string; kind: 'ruleid' | 'ok' }

export function corpusFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.py')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function annotations(dir: string): Annotation[] {
  const out: Annotation[] = [];
  for (const path of corpusFiles(dir)) {
    const file = relative(dir, path);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((l, i) => {
      const m = /^\s*#\s*(ruleid|ok):\s*(.+)$/.exec(l);
      if (!m) return;
      let j = i + 1;
      while (j < lines.length && /^\s*(#.*)?$/.test(lines[j])) j++;
      for (const rule of m[2].split(',').map((s) => s.trim())) out.push({ file, line: j + 1, rule, kind: m[1] as 'ruleid' | 'ok' });
    });
  }
  return out;
}

export const key = (a: { file: string; line: number; rule: string }): string => `${a.file}:${a.line} ${a.rule}`;
