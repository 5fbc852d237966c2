/**
 * Running workloads in the console (issue 19), in real Chromium against a real server and store: a
 * Kubernetes API server added through the form (a bad URL refused at its field), polled by the
 * engine against a local server that is no API server — its error on the page; a `kubectl get pods
 * -A -o json` upload running the seeded image in two containers; the Resources page's "In use"
 * column and filter (GET /v1/resources?inUse=true) and the image's Resource page show what the API
 * says; the cluster deleted. A read-only key is offered no write action.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pollDueClusters } from '../../src/engine/index.ts';
import { TargetPolicy } from '../../src/policy/index.ts';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';
import { expectRefused, receiver, shooter, text } from './issue19.ts';

const skip = consoleUnavailable();

describe('console: running workloads', { skip, concurrency: false }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let policy: TargetPolicy;
  let shot: ReturnType<typeof shooter>;
  let image: { id: string; name: string; digest: string };

  before(async () => {
    policy = await TargetPolicy.forTenants({ allowNetworks: ['127.0.0.0/8'] });
    h = await startConsole({ policy });
    console.log(`console screenshots: ${h.screenshots}`);
    shot = shooter(h, 'workloads');
    s = await h.open({ key: h.seed.keys.admin });
    image = (await h.api(`/v1/resources/${h.seed.imageId}`)).body;
  });
  after(async () => {
    await s?.close();
    await h?.close();
  });

  test('a polled cluster: a bad URL refused at its field; added; its poll error on the page', async () => {
    const notApi = await receiver(() => 404);
    try {
      const { page } = s;
      await page.goto('/workloads');
      await settle(page, s.watch);
      await page.getByText('No cluster is polled').waitFor();
      await shot(s, 'empty');
      const form = page.getByRole('form', { name: 'Add a Kubernetes cluster' });
      await form.getByLabel(/^Name/).fill('prod-eu');
      await form.getByLabel('API server URL').fill('ftp://k8s.example.com');
      await form.getByLabel(/^Token/).fill('kube-token-1');
      await form.getByRole('button', { name: 'Add cluster' }).click();
      const server = form.getByLabel('API server URL');
      await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]') !== null);
      assert.equal(await server.getAttribute('aria-invalid'), 'true');
      assert.match(await text(page.locator(`[id="${await server.getAttribute('aria-describedby')}"]`)), /server/);
      expectRefused(s, /HTTP 400: POST .*\/v1\/workloads\/kubernetes\/clusters$/);
      await shot(s, 'cluster-refused');
      await server.fill(notApi.url.replace('/hook', ''));
      await form.getByRole('button', { name: 'Add cluster' }).click();
      await page.getByText('Cluster prod-eu is added').waitFor();
      // the engine's poll (what `vigil server` runs every minute), an hour on
      const r = await pollDueClusters(h.store, policy, new Date(Date.now() + 3_600_000));
      assert.deepEqual([r.polled, r.failed], [0, 1]);
      const [c] = (await h.api('/v1/workloads/kubernetes/clusters')).body.items as { name: string; lastError: string }[];
      assert.ok(c.lastError, 'the poll failed');
      await page.reload();
      await settle(page, s.watch);
      const row = page.getByRole('row').filter({ hasText: 'prod-eu' });
      assert.ok((await text(row)).includes(c.lastError.replace(/\s+/g, ' ').slice(0, 40)), await text(row));
      await shot(s, 'cluster-error');
    } finally {
      await notApi.close();
    }
  });

  test('a pod list uploaded: the image is in use on the Resources list (column and filter) and its Resource page, as the API says', async () => {
    const { page } = s;
    const running = (name: string) => ({
      metadata: { name, namespace: 'payments' },
      spec: { containers: [{ name: 'api', image: `${image.name}:1.4.2` }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'api', image: `${image.name}:1.4.2`, imageID: `${image.name}@${image.digest}`, state: { running: { startedAt: '2026-12-06T10:00:00Z' } } }] },
    });
    const pods = { apiVersion: 'v1', kind: 'List', items: [running('api-1'), running('api-2')] };
    const form = page.getByRole('form', { name: 'Upload running workloads' });
    await form.getByLabel(/^Cluster name/).fill('prod');
    await form.getByLabel('JSON file').setInputFiles({ name: 'pods.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(pods)) });
    await form.getByRole('button', { name: 'Upload' }).click();
    const note = page.getByTestId('snapshot');
    await note.waitFor();
    assert.match(await text(note), /Kubernetes cluster prod: 2 of 2 containers running, 2 with a known image · 1 image in use/);
    await shot(s, 'uploaded');

    await note.getByRole('link', { name: 'Images in use' }).click();
    await page.waitForURL(/\/resources\?inUse=true/);
    await settle(page, s.watch);
    const api = (await h.api('/v1/resources?inUse=true')).body.items as { id: string; inUse: { runningContainers: number; clusters: string[] } }[];
    assert.deepEqual(api.map((r) => [r.id, r.inUse.runningContainers, r.inUse.clusters]), [[image.id, 2, ['kubernetes/prod']]]);
    const rows = page.getByRole('table', { name: 'Resources', exact: true }).getByRole('row');
    assert.equal(await rows.count(), 2, 'the header and the one image in use');
    assert.match(await text(rows.nth(1).getByTestId('in-use')), /^2 containers kubernetes\/prod$/);
    await shot(s, 'resources-in-use');
    // the opposite filter: the image is not there
    await page.goto('/resources?inUse=false');
    await settle(page, s.watch);
    assert.equal(await page.getByRole('link', { name: image.name, exact: true }).count(), 0);
    const notRunning = (await h.api('/v1/resources?inUse=false')).body.items as unknown[];
    assert.equal(await page.getByRole('table', { name: 'Resources', exact: true }).getByRole('row').count(), notRunning.length + 1);

    await page.goto(`/resources/${encodeURIComponent(image.id)}`);
    await settle(page, s.watch);
    const detail = (await h.api(`/v1/resources/${image.id}`)).body.inUse as { lastInUseAt: string };
    assert.match(await text(page.getByTestId('resource-in-use')), /^2 running containers in kubernetes\/prod/);
    assert.ok((await text(page.getByTestId('resource-last-in-use'))).includes(detail.lastInUseAt.slice(0, 16).replace('T', ' ')));
    await shot(s, 'resource-in-use');
  });

  test('the cluster deleted; a read-only key is offered no write action', async () => {
    const { page } = s;
    await page.goto('/workloads');
    await settle(page, s.watch);
    await page.getByRole('button', { name: 'Delete prod-eu' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete cluster' }).click();
    await page.getByText('Cluster prod-eu is no longer polled').waitFor();
    assert.deepEqual((await h.api('/v1/workloads/kubernetes/clusters')).body.items, []);
    const ro = await h.open({ key: h.seed.keys.readOnly });
    try {
      await ro.page.goto('/workloads');
      await settle(ro.page, ro.watch);
      assert.equal(await ro.page.getByRole('form').count(), 0);
      await shot(ro, 'read-only');
    } finally {
      await ro.close();
    }
  });
});
