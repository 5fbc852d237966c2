/**
 * A stand-in for the built console (web/dist): the server's tests must not depend on whether
 * `npm run build` ran, so they pass this directory as `consoleDir`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKE_INDEX = '<!doctype html><html><head><title>Vigil test console</title><script type="module" src="/assets/app-abc123.js"></script></head><body><div id="root"></div></body></html>';
export const FAKE_SCRIPT = 'console.log("vigil test console");';

/** A web/dist with index.html, assets/app-abc123.js and favicon.ico; `cleanup` removes it. */
export function fakeConsoleDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), FAKE_INDEX);
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), FAKE_SCRIPT);
  writeFileSync(join(dir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
