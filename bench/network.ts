/**
 * bench/network — reachability analysis of a generated VPC (issue 16: 10,000 instances and 5,000
 * security groups analysed in < 5 s).
 *
 * The VPC (seeded, so every run analyses the same one): 10.0.0.0/16 + an IPv6 /56; 120 subnets
 * (40 public: route table with 0.0.0.0/0 and ::/0 → igw; 80 private: 0.0.0.0/0 → a NAT gateway,
 * half of them on the main table, no explicit association); 12 network ACLs of 6–14 entries
 * (allow-all, deny of abuse ranges and of ports, some without return traffic for udp);
 * BENCH_SGS security groups (default 5,000) of 1–6 inbound rules drawn from common ports
 * (22, 80, 443, 3306, 5432, 6379, 8000–8999, 30000–32767 …) over 0.0.0.0/0, ::/0, office /24s,
 * 10.0.0.0/8 and references to other groups; BENCH_INSTANCES instances (default 10,000) with 1–3
 * groups, 35% with a public IPv4, 15% with IPv6, 8% stopped; 60 internet-facing ALBs and 20 NLBs
 * in the public subnets, one or two listeners each, target groups of 10–40 registered instances.
 *
 * Prints the time of JSON parsing (zod) and of the analysis (wall, and the process's CPU time, which
 * a busy machine disturbs less), and the counts. No thresholds.
 * Run: node --import tsx bench/network.ts
 */
import { performance } from 'node:perf_hooks';
import { analyzeAws, parseAwsInputs } from '../src/detectors/network/index.ts';
import { generate } from './network-vpc.ts';

const files = generate();
const bytes = Object.values(files).reduce((n, s) => n + s!.length, 0);
for (let round = 1; round <= 3; round++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const inputs = parseAwsInputs(files);
  const t1 = performance.now();
  const r = analyzeAws(inputs);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  const resources = new Set(r.findings.map((f) => f.resourceId)).size;
  const viaLb = r.findings.filter((f) => f.loadBalancer).length;
  console.log(`round ${round}: parse ${(t1 - t0).toFixed(0)} ms, analyse ${(t2 - t1).toFixed(0)} ms, total ${((t2 - t0) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (target < 5 s) | ` +
    `${inputs.instances.length} instances, ${inputs.securityGroups.length} security groups, ${inputs.subnets.length} subnets, ${inputs.loadBalancers.length} load balancers, ${(bytes / 1e6).toFixed(1)} MB JSON | ` +
    `${r.findings.length} findings (${viaLb} through load balancers) on ${resources} instances, ${r.notes.length} notes`);
}
