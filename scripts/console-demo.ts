/**
 * A Vigil server with real data, for working on the console and looking at it:
 *
 *   node --import tsx scripts/console-demo.ts [--port 8090] [--home .cache/console-demo] [--fresh]
 *
 * First run (about 2 minutes): imports every advisory source of ../shared/vulndata, starts
 * `vigil server` on SQLite, starts a local docker-registry whose push notifications reach it, pushes
 * the four real images built by ../shared/tools/build-targets.sh (bullseye, bookworm and their -app
 * variants with npm/PyPI packages), registers the two debootstrap root filesystems, creates a member
 * account with its own root filesystem, and makes keys of every role. Later runs reuse the home
 * (database, keys) and only start the processes. It prints the console URL and the keys, and runs
 * until Ctrl-C. Needs the targets (.cache/targets) and docker-registry + skopeo (.ci/run installs them).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { skopeoCopy } from '../src/sources/registry/testutil.ts';
import { startRegistryWithNotifications, startServer, TARGETS, vigilCli, VULNDATA, waitFor } from '../test/helpers/server.ts';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '8090' },
    home: { type: 'string', default: join(import.meta.dirname, '..', '.cache', 'console-demo') },
    fresh: { type: 'boolean', default: false },
  },
});
const home = resolve(opts.home!);
const keysFile = join(home, 'demo-keys.json');
if (opts.fresh) await rm(home, { recursive: true, force: true });
await mkdir(home, { recursive: true });
const db = `sqlite:${join(home, 'vigil.db')}`;
const first = !existsSync(keysFile);

if (first) {
  console.log(`importing ../shared/vulndata into ${home} …`);
  await vigilCli(home, db, ['db', 'import', VULNDATA]);
}
let keys: Record<string, string> = first ? {} : JSON.parse(await readFile(keysFile, 'utf8'));
const server = await startServer({
  home, db, key: keys.admin,
  args: ['--listen', `127.0.0.1:${opts.port}`, '--tick', '2', '--allow-network', '127.0.0.0/8', '--allow-path', TARGETS],
});
const stopAll: (() => Promise<unknown>)[] = [() => server.stop()];
process.on('SIGINT', () => void Promise.all(stopAll.map((s) => s())).then(() => process.exit(0)));
process.on('SIGTERM', () => void Promise.all(stopAll.map((s) => s())).then(() => process.exit(0)));

const ok = async (method: string, path: string, body?: unknown, key?: string) => {
  const r = await server.api(method, path, body, key ? { key } : {});
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

// the registry runs only while the demo runs; its storage (the pushed images) stays in the home
const regDir = join(home, 'registry');
await mkdir(regDir, { recursive: true });
if (first) {
  keys.admin = server.key!;
  const who = await ok('GET', '/v1/whoami');
  keys.analyst = (await ok('POST', `/v1/accounts/${who.account.id}/api-keys`, { name: 'demo analyst', role: 'analyst' })).key;
  keys.readOnly = (await ok('POST', `/v1/accounts/${who.account.id}/api-keys`, { name: 'demo read-only', role: 'read-only' })).key;
  const member = await ok('POST', '/v1/accounts', { name: 'payments team' });
  keys.member = (await ok('POST', `/v1/accounts/${member.id}/api-keys`, { name: 'payments admin', role: 'admin' })).key;
  await writeFile(keysFile, JSON.stringify(keys, null, 2), { mode: 0o600 });

  const registry = await startRegistryWithNotifications(regDir, server);
  stopAll.push(() => registry.stop());
  for (const [tag, repo] of [['bullseye-app', 'shop/web'], ['bookworm-app', 'shop/api'], ['bullseye', 'base/debian'], ['bookworm', 'base/debian']] as const) {
    const t = tag.endsWith('app') ? 'latest' : tag;
    await skopeoCopy(`oci:${join(TARGETS, 'oci')}:${tag}`, `docker://${registry.host}/${repo}:${t}`);
  }
  await ok('POST', '/v1/rootfs', { name: 'build-host-bullseye', config: { path: join(TARGETS, 'rootfs-bullseye') } });
  await ok('POST', '/v1/rootfs', { name: 'payments-bookworm', accountId: member.id, config: { path: join(TARGETS, 'rootfs-bookworm') } });
  console.log('waiting for the first scans …');
  await waitFor('every resource scanned', async () => {
    const c = await ok('GET', '/v1/coverage?limit=500');
    const pending = c.items.filter((r: { coverage: { reason: string | null } }) => r.coverage.reason === 'PENDING_INITIAL_SCAN');
    return c.items.length >= 6 && pending.length === 0;
  }, 600_000, 2000);
}

console.log(`
Vigil console: ${server.url}/
keys (also in ${keysFile}):
  admin (delegated admin): ${keys.admin}
  analyst:                 ${keys.analyst}
  read-only:               ${keys.readOnly}
  member account admin:    ${keys.member}
Ctrl-C stops it.`);
