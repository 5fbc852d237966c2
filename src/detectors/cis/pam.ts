/**
 * PAM stacks (pam.conf(5) / pam.d): `/etc/pam.d/<service>` lines `[-]type control module [args]`,
 * with `@include file` (Debian) and `type include|substack file` read in place (relative to
 * /etc/pam.d). Control may be a bracketed `[value=action …]`.
 */
import { CheckError, continuedLines, type TargetReader } from './fsutil.ts';

export interface PamLine {
  type: string;
  control: string;
  module: string;
  args: string[];
  path: string;
  line: number;
}

const MAX_DEPTH = 16;

/** splits a PAM line into words, keeping a bracketed control (and bracketed args) whole */
export function pamWords(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length) break;
    if (s[i] === '[') {
      const j = s.indexOf(']', i);
      const end = j < 0 ? s.length : j + 1;
      out.push(s.slice(i, end));
      i = end;
    } else {
      let j = i;
      while (j < s.length && !/\s/.test(s[j])) j++;
      out.push(s.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** the lines of a service's stack with its includes expanded; null when the service file is absent */
export async function readPamStack(r: TargetReader, service: string, depth = 0, typeFilter?: string): Promise<PamLine[] | null> {
  if (depth > MAX_DEPTH) throw new CheckError({ path: `/etc/pam.d/${service}`, message: `PAM includes nested more than ${MAX_DEPTH} deep (a loop?)` });
  if (!/^[\w.@+-]+$/.test(service)) throw new CheckError({ message: `PAM service name ${JSON.stringify(service)} is not a file name` });
  const path = `/etc/pam.d/${service}`;
  const text = await r.text(path);
  if (text === null) return null;
  const out: PamLine[] = [];
  for (const { n, line: t } of continuedLines(text)) {
    if (t.startsWith('@include')) {
      const inc = t.split(/\s+/)[1];
      if (inc) out.push(...((await readPamStack(r, inc.replace(/^.*\//, ''), depth + 1, typeFilter)) ?? []));
      continue;
    }
    const w = pamWords(t);
    if (w.length < 3) continue;
    const type = w[0].replace(/^-/, '').toLowerCase();
    if (typeFilter && type !== typeFilter) continue;
    const control = w[1];
    if (control === 'include' || control === 'substack') {
      out.push(...((await readPamStack(r, w[2].replace(/^.*\//, ''), depth + 1, type)) ?? []));
      continue;
    }
    out.push({ type, control, module: w[2].replace(/^.*\//, ''), args: w.slice(3), path, line: n });
  }
  return out;
}

/** the value of a module argument: `key=value` → value; a bare flag → "" ; absent → undefined */
export function pamArg(args: string[], key: string): string | undefined {
  for (const a of args) {
    if (a === key) return '';
    if (a.startsWith(`${key}=`)) return a.slice(key.length + 1);
  }
  return undefined;
}
