/**
 * `vigil server` as a child process for end-to-end tests: started on 127.0.0.1:0 with its own home,
 * its bootstrap admin key and address read from stdout; stopped with SIGTERM (or killed with -9).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startRegistry, which, type RegistryProcess } from '../../src/sources/registry/testutil.ts';
import { HOW, needsAll, TARGETS, VULNDATA } from './prereq.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const VIGIL = join(ROOT, 'bin', 'vigil.js');
export { TARGETS, VULNDATA };

/** `vigil --home <home> --db <db> …` as a child process, quiet. */
export async function vigilCli(home: string, db: string, args: string[]) {
  return promisify(execFile)(process.execPath, [VIGIL, '--home', home, '--db', db, ...args], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, VIGIL_LOG_LEVEL: 'error' } });
}

/**
 * Why the registry end-to-end tests cannot run here (no built targets, data, docker-registry or
 * skopeo), or false; in CI a missing one throws (test/helpers/prereq.ts).
 */
export async function registryE2eUnavailable(): Promise<string | false> {
  return needsAll([
    ['targets: OCI layout', existsSync(join(TARGETS, 'oci', 'index.json')), HOW.targets],
    ['../shared/vulndata', existsSync(VULNDATA), HOW.vulndata],
    ['docker-registry', await which('docker-registry', 'registry'), HOW.apt('docker-registry')],
    ['skopeo', await which('skopeo'), HOW.apt('skopeo')],
  ]);
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** the bootstrap admin key (first start only) */
  key: string | null;
  output(): string;
  api<T = any>(method: string, path: string, body?: unknown, opts?: { key?: string; headers?: Record<string, string>; raw?: Buffer | string }): Promise<{ status: number; body: T }>;
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

export async function startServer(opts: { home: string; db: string; args?: string[]; env?: NodeJS.ProcessEnv; key?: string }): Promise<ServerProcess> {
  const child = spawn(process.execPath, [VIGIL, '--home', opts.home, '--db', opts.db, 'server', '--listen', '127.0.0.1:0', ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIGIL_LOG_LEVEL: process.env.VIGIL_TEST_LOG_LEVEL ?? 'warn', ...opts.env },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let alive = true;
  void exited.then(() => (alive = false));
  const deadline = Date.now() + 60_000;
  let url = '';
  while (!url) {
    const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
    if (m) url = m[1];
    else {
      if (!alive) throw new Error(`vigil server exited at start:\n${out}`);
      if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`vigil server did not start:\n${out}`); }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const key = /Admin API key[^\n]*\n(vgl_\S+)/.exec(out)?.[1] ?? null;
  const useKey = opts.key ?? key;
  return {
    child, url, key, output: () => out,
    async api(method, path, body, o = {}) {
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const k = o.key ?? useKey;
      if (k && !headers.authorization) headers.authorization = `Bearer ${k}`;
      let payload: string | Buffer | undefined = o.raw;
      if (body !== undefined) { payload = JSON.stringify(body); headers['content-type'] ??= 'application/json'; }
      const res = await fetch(`${url}${path}`, { method, headers, body: payload as BodyInit | undefined });
      const text = await res.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, body: parsed as any };
    },
    async stop() {
      if (!alive) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill9() {
      if (!alive) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `f` until it returns a truthy value (or the deadline passes: throws with `what`). */
export async function waitFor<T>(what: string, f: () => Promise<T | undefined | null | false>, timeoutMs = 180_000, everyMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Registers a registry target on the server, then starts docker-registry with notifications to it:
 * the registry reads its configuration once, so the target (its id and token) comes first.
 */
export async function startRegistryWithNotifications(dir: string, server: ServerProcess): Promise<RegistryProcess & { targetId: string }> {
  const binary = (await which('docker-registry', 'registry'))!;
  const port = await freePort();
  const created = await server.api('POST', '/v1/registries', { config: { url: `http://127.0.0.1:${port}`, pollSeconds: 0 } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id as string;
  const token = created.body.secrets.notificationToken as string;
  const yaml = `notifications:
  endpoints:
    - name: vigil
      url: ${server.url}/v1/registries/${id}/notifications
      headers:
        Authorization: [Bearer ${token}]
      timeout: 2s
      threshold: 5
      backoff: 1s
      ignoredmediatypes: [application/octet-stream]
`;
  const reg = await startRegistry(binary, dir, undefined, yaml, port);
  return Object.assign(reg, { targetId: id });
}
