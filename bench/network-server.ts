/**
 * bench/network-server — the server side of network reachability (issue 16) on the generated VPC of
 * bench/network.ts (BENCH_INSTANCES instances, default 10,000; BENCH_SGS security groups, 5,000):
 * what `PUT /v1/network/topologies/{name}` does after the request is read, in this process (the
 * server runs the same code in its isolated scan process): parse, analyse, store the instances
 * and paths, map them to hosts — making a host for each unmapped instance on the first upload —
 * and write every host's network_reachability findings and reachability, on a SQLite file store.
 *
 * Runs: (1) the first upload (every instance new: a host each), (2) the same upload again (nothing
 * changes), (3) one security group's inbound rules removed (the paths through it close). Prints
 * wall and CPU time and what each run changed. No thresholds.
 * Run: node --import tsx bench/network-server.ts   (BENCH_PG=1: PostgreSQL instead)
 */
import { performance } from 'node:perf_hooks';
import { pgTestStore, sqliteTestStore } from '../test/helpers/stores.ts';
import { putTopology } from '../src/engine/network.ts';
import { bootstrap } from '../src/server/bootstrap.ts';
import { generate } from './network-vpc.ts';

const ts = process.env.BENCH_PG ? await pgTestStore() : await sqliteTestStore();
try {
  const b = (await bootstrap(ts.store, { organizationName: 'bench' }))!;
  const accountId = b.delegatedAdmin.id;
  const files = generate() as Record<string, string>;
  const sgs = JSON.parse(files['describe-security-groups.json']) as { SecurityGroups: { GroupId: string; IpPermissions: unknown[] }[] };
  const changed = structuredClone(sgs);
  // the group with the most rules loses them all
  const victim = changed.SecurityGroups.reduce((a, g) => (g.IpPermissions.length > a.IpPermissions.length ? g : a));
  victim.IpPermissions = [];
  const runs: [string, Record<string, string>][] = [
    ['first upload', files],
    ['same upload again', files],
    [`security group ${victim.GroupId} emptied`, { ...files, 'describe-security-groups.json': JSON.stringify(changed) }],
  ];
  let clock = Date.parse('2026-12-01T00:00:00Z');
  for (const [label, f] of runs) {
    const before = await ts.store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'CLOSED').executeTakeFirstOrThrow();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const now = new Date((clock += 60_000));
    const t = await putTopology({ store: ts.store, now: () => now }, { accountId, name: 'vpc', files: f });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const open = await ts.store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '!=', 'CLOSED').executeTakeFirstOrThrow();
    const closed = await ts.store.db.selectFrom('findings').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'CLOSED').executeTakeFirstOrThrow();
    const hosts = await ts.store.db.selectFrom('resources').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'host').executeTakeFirstOrThrow();
    console.log(`${label}: ${(ms / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU | ${t.counts.instances} instances (${t.counts.reachableInstances} reachable), ${t.counts.findings} paths, ${hosts.n} hosts | open findings ${before.n} → ${open.n}, closed ${closed.n} (${ts.store.dialect})`);
  }
} finally {
  await ts.cleanup();
}
