/** Version strings next to the ones advisories name, for the benches' draws. */

/** The versions just below and just above `v`: its last run of digits minus and plus one ("1.2.9" → "1.2.8", "1.2.10"). */
export function neighbours(v: string): [string | undefined, string | undefined] {
  const m = /^(.*?)(\d+)(\D*)$/.exec(v);
  if (!m) return [undefined, undefined];
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n)) return [undefined, undefined];
  const pad = (x: number) => String(x).padStart(m[2].startsWith('0') ? m[2].length : 0, '0');
  return [n > 0 ? `${m[1]}${pad(n - 1)}${m[3]}` : undefined, `${m[1]}${pad(n + 1)}${m[3]}`];
}
