/** Display helpers shared by the pages. */

/** "2026-12-06 09:46 UTC" — absolute, in UTC, so two people reading one screen agree. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "3 h ago", "2 d ago" — for recency columns (the title attribute should carry formatTime). */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

const nf = new Intl.NumberFormat('en-US');
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : nf.format(n);
}

export function formatPercent(part: number, whole: number): string {
  if (!whole) return '—';
  return `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)}%`;
}

/** "sha256:0123456789ab" — digests shortened for tables (the full value in a title attribute). */
export function shortDigest(d: string | null | undefined, n = 12): string {
  if (!d) return '—';
  const [alg, hex] = d.includes(':') ? d.split(':', 2) : ['', d];
  return `${alg ? `${alg}:` : ''}${hex.slice(0, n)}`;
}

/** "512 B", "3.2 KiB", "1.4 MiB" */
export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
