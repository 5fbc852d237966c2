/**
 * Test helper: an in-memory ScanFS with modes, owners, symlinks and the directories implied by the
 * paths (the CIS evaluator lists directories through entries()). Symlinks resolve inside the root.
 */
import { VigilError } from '../../model/errors.ts';
import type { FileInfo, ScanFS } from '../../sources/types.ts';

export type MemEntry = string | { content?: string | Buffer; mode?: number; uid?: number; gid?: number } | { symlink: string } | { dir: true; mode?: number };

export function memRoot(files: Record<string, MemEntry>): ScanFS {
  const nodes = new Map<string, FileInfo & { data?: Buffer }>();
  const addDir = (p: string, mode = 0o40755) => {
    if (!p || nodes.has(p)) return;
    nodes.set(p, { path: p, kind: 'dir', size: 0, mode, uid: 0, gid: 0 });
  };
  for (const [raw, e] of Object.entries(files)) {
    const p = raw.replace(/^\/+/, '');
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) addDir(parts.slice(0, i).join('/'));
    if (typeof e === 'string' || Buffer.isBuffer(e)) {
      const data = Buffer.from(e);
      nodes.set(p, { path: p, kind: 'file', size: data.length, mode: 0o100644, uid: 0, gid: 0, data });
    } else if ('symlink' in e) nodes.set(p, { path: p, kind: 'symlink', size: e.symlink.length, mode: 0o120777, linkTarget: e.symlink, uid: 0, gid: 0 });
    else if ('dir' in e) addDir(p, 0o40000 | (e.mode ?? 0o755));
    else {
      const data = Buffer.from(e.content ?? '');
      nodes.set(p, { path: p, kind: 'file', size: data.length, mode: 0o100000 | (e.mode ?? 0o644), uid: e.uid ?? 0, gid: e.gid ?? 0, data });
    }
  }
  const resolve = (path: string, depth = 0): (FileInfo & { data?: Buffer }) | null => {
    if (depth > 20) return null;
    const parts = path.replace(/^\/+/, '').split('/').filter(Boolean);
    let cur = '';
    for (let i = 0; i < parts.length; i++) {
      const next = cur ? `${cur}/${parts[i]}` : parts[i];
      const n = nodes.get(next);
      if (!n) return null;
      if (n.kind === 'symlink') {
        const t = n.linkTarget!;
        const base = t.startsWith('/') ? t : `${cur}/${t}`;
        const norm: string[] = [];
        for (const s of base.split('/')) {
          if (!s || s === '.') continue;
          if (s === '..') norm.pop();
          else norm.push(s);
        }
        const r = resolve([...norm, ...parts.slice(i + 1)].join('/'), depth + 1);
        return r;
      }
      cur = next;
    }
    return cur ? nodes.get(cur)! : { path: '', kind: 'dir', size: 0 };
  };
  const sorted = [...nodes.keys()].sort();
  return {
    target: { kind: 'rootfs', ref: 'memory' },
    async *entries() {
      for (const p of sorted) {
        const { data: _d, ...info } = nodes.get(p)!;
        yield info;
      }
    },
    async stat(p) {
      const n = resolve(p);
      if (!n) return null;
      const { data: _d, ...info } = n;
      return info;
    },
    async readFile(p) {
      const n = resolve(p);
      if (!n || n.kind !== 'file') throw new VigilError('VIGIL_NOT_FOUND', `${p}: not found`, { input: p, rule: 'not-found' });
      return n.data!;
    },
    errors: [],
    async close() {},
  };
}
