/**
 * Peer check: cdxgen (installed by bench/install-cdxgen.sh into .cache/cdxgen) writes a CycloneDX
 * SBOM of a small real npm project (testdata/npm-project, lockfile from the registry), and
 * readSbom must read it, with the same packages as the lockfile. Skips when cdxgen is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSbom } from './index.ts';
import { CDXGEN as cdxgen, HOW, needs } from '../../../test/helpers/prereq.ts';


test('cdxgen CycloneDX of a real npm project is read', { skip: needs('cdxgen', existsSync(cdxgen), HOW.cdxgen) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cdxgen-'));
  try {
    cpSync(fileURLToPath(new URL('testdata/npm-project', import.meta.url)), join(dir, 'proj'), { recursive: true });
    for (const spec of ['1.5', '1.6']) {
      const out = join(dir, `bom-${spec}.json`);
      execFileSync(cdxgen, ['-t', 'js', '--no-install-deps', '--spec-version', spec, '-o', out, join(dir, 'proj')], {
        env: { ...process.env, CDXGEN_NO_BANNER: 'true', FETCH_LICENSE: 'false' }, stdio: 'pipe', timeout: 120_000,
      });
      const inv = readSbom(readFileSync(out), out);
      const lock = JSON.parse(readFileSync(join(dir, 'proj/package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
      const expected = Object.entries(lock.packages).filter(([k]) => k).map(([k, v]) => `${k.replace(/^.*node_modules\//, '')}@${v.version}`).sort();
      assert.deepEqual(inv.packages.map((p) => `${p.name}@${p.version}`).sort(), expected);
      assert.ok(inv.packages.every((p) => p.ecosystem === 'npm'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
