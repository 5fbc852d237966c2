/** Issue 19: the pure part of running workloads — image references, pod lists, ECS tasks. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { containersOfEcsTasks, containersOfPods, EcsTasksSchema, normalizeRepository, parseImageReference, PodListSchema } from './workloads.ts';

const DATA = join(import.meta.dirname, 'testdata', 'workloads');
const A = `sha256:${'a1'.repeat(32)}`;

test('image references normalised as the Docker reference grammar reads them', () => {
  assert.deepEqual(parseImageReference('nginx'), { repository: 'docker.io/library/nginx', tag: null, digest: null });
  assert.deepEqual(parseImageReference('nginx:1.25'), { repository: 'docker.io/library/nginx', tag: '1.25', digest: null });
  assert.deepEqual(parseImageReference('bitnami/redis:7'), { repository: 'docker.io/bitnami/redis', tag: '7', digest: null });
  assert.deepEqual(parseImageReference('localhost:5000/shop/web:1.0'), { repository: 'localhost:5000/shop/web', tag: '1.0', digest: null });
  assert.deepEqual(parseImageReference(`docker-pullable://localhost:5000/shop/web@${A}`), { repository: 'localhost:5000/shop/web', tag: null, digest: A });
  assert.deepEqual(parseImageReference(`index.docker.io/library/nginx:1.25@${A}`), { repository: 'docker.io/library/nginx', tag: '1.25', digest: A });
  assert.equal(parseImageReference('Registry.Example.com:443/team/app').repository, 'registry.example.com:443/team/app');
  assert.equal(parseImageReference('docker://sha256:0123').digest, null, 'a local image id is not a digest');
  assert.equal(normalizeRepository('registry-1.docker.io/library/nginx'), 'docker.io/library/nginx');
  assert.throws(() => parseImageReference('  '), /image reference "  ": empty/);
});

test('a kubectl pod list: init, app containers and their states; only running containers of Running pods run', () => {
  const pods = PodListSchema.parse(JSON.parse(readFileSync(join(DATA, 'pods.json'), 'utf8')));
  const cs = containersOfPods(pods);
  assert.deepEqual(cs.map((c) => [c.workload, c.container, c.init, c.state]), [
    ['web-7d9c6b5f4-x2x9k', 'migrate', true, 'terminated'],
    ['web-7d9c6b5f4-x2x9k', 'web', false, 'running'],
    ['web-7d9c6b5f4-x2x9k', 'proxy', false, 'running'],
    ['web-7d9c6b5f4-q8m2p', 'web', false, 'running'],
    ['web-7d9c6b5f4-pend1', 'web', false, 'waiting'],
    ['unscheduled-0', 'web', false, 'unknown'],
    ['report-28911540-zk4dp', 'report', false, 'terminated'],
  ]);
  const proxy = cs.find((c) => c.container === 'proxy')!;
  assert.deepEqual([proxy.image, proxy.repository, proxy.digest], ['nginx:1.25', 'docker.io/library/nginx', `sha256:${'b2'.repeat(32)}`]);
  assert.equal(cs.find((c) => c.workload === 'web-7d9c6b5f4-pend1')!.digest, null, 'imageID "" while waiting');
});

test('ECS describe-tasks: the RUNNING container of a RUNNING task runs, with its imageDigest', () => {
  const cs = containersOfEcsTasks(EcsTasksSchema.parse(JSON.parse(readFileSync(join(DATA, 'ecs-describe-tasks.json'), 'utf8'))));
  assert.deepEqual(cs.map((c) => [c.namespace, c.container, c.state, c.digest, c.repository]), [
    ['service:api', 'api', 'running', `sha256:${'c3'.repeat(32)}`, '123456789012.dkr.ecr.us-east-1.amazonaws.com/api'],
    ['service:api', 'api', 'terminated', `sha256:${'c3'.repeat(32)}`, '123456789012.dkr.ecr.us-east-1.amazonaws.com/api'],
  ]);
});

test('bounds: more than 50,000 pods is refused by the schema', () => {
  const r = PodListSchema.safeParse({ items: Array.from({ length: 50_001 }, () => ({ metadata: { name: 'p' }, spec: { containers: [] } })) });
  assert.equal(r.success, false);
});
