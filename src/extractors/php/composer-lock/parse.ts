/**
 * composer.lock and vendor/composer/installed.json (https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control).
 * Pure: JSON text in, packages out. Both files list package objects with `name` and `version`;
 * composer.lock splits them into `packages` and `packages-dev`; installed.json is either the
 * Composer 1 array of packages or the Composer 2 object `{packages, dev, dev-package-names}`.
 */
import { z } from 'zod';

export interface ComposerPackage { name: string; version: string; dev: boolean }
export interface ComposerParse { packages: ComposerPackage[]; problems: string[] }

const Entry = z.object({ name: z.string().regex(/^[^/\s]+\/[^/\s]+$/), version: z.string().min(1) });

function entries(list: unknown, where: string, dev: (name: string) => boolean, out: ComposerParse): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) { out.problems.push(`"${where}" is not an array`); return; }
  list.forEach((e, i) => {
    const r = Entry.safeParse(e);
    if (!r.success) { out.problems.push(`${where}[${i}] needs "vendor/name" and a version`); return; }
    out.packages.push({ name: r.data.name, version: r.data.version, dev: dev(r.data.name) });
  });
}

/** @throws SyntaxError when the text is not JSON (the extractor records it) */
export function parseComposerLock(text: string): ComposerParse {
  const j = JSON.parse(text) as Record<string, unknown>;
  const out: ComposerParse = { packages: [], problems: [] };
  if (typeof j !== 'object' || j === null || Array.isArray(j)) { out.problems.push('top level is not an object'); return out; }
  entries(j.packages, 'packages', () => false, out);
  entries(j['packages-dev'], 'packages-dev', () => true, out);
  return out;
}

/** @throws SyntaxError when the text is not JSON */
export function parseInstalledJson(text: string): ComposerParse {
  const j = JSON.parse(text) as unknown;
  const out: ComposerParse = { packages: [], problems: [] };
  if (Array.isArray(j)) { entries(j, 'packages', () => false, out); return out; } // Composer 1
  if (typeof j !== 'object' || j === null) { out.problems.push('neither an array (Composer 1) nor an object (Composer 2)'); return out; }
  const o = j as Record<string, unknown>;
  const devNames = new Set(Array.isArray(o['dev-package-names']) ? o['dev-package-names'].filter((x): x is string => typeof x === 'string') : []);
  entries(o.packages, 'packages', (n) => devNames.has(n), out);
  return out;
}
