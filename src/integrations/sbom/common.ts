import { createHash } from 'node:crypto';
import type { Package, ScanResult } from '../../model/index.ts';
import { canonicalize } from '../report/index.ts';

export { canonicalize };

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A name-based UUID (version 5 layout) from a sha256 of the text: stable for the same input. */
export function stableUuid(text: string): string {
  const h = sha256Hex(text).slice(0, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** "2026-01-02T03:04:05.678Z" → "2026-01-02T03:04:05Z" (SPDX wants seconds precision). */
export function isoSeconds(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const OS_ECOSYSTEM = /^(Debian|Ubuntu|Alpine|Wolfi|Chainguard|AlmaLinux|Rocky Linux|Red Hat|SUSE|openSUSE|Fedora)(:|$)/;

/** Stable, unique refs for the result's packages: the purl, with "#2", "#3" on repeats. */
export function packageRefs(result: ScanResult): string[] {
  const seen = new Map<string, number>();
  return result.packages.map((p: Package) => {
    const base = p.purl ?? `vigil:${p.ecosystem}/${p.name}@${p.version}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  });
}
