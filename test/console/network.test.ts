/**
 * Network reachability in the console (issue 16), in real Chromium against a real server: the
 * Network page refuses a file that is not JSON or not an AWS CLI file name before anything is
 * sent, shows the server's refusal of a file of the wrong shape (the topology listed FAILED), uploads the hand-written topology of src/detectors/network/testdata/aws/mixed (the server analyses
 * it before answering) and lists it ANALYZED; its findings open from the page filtered to
 * type=network_reachability, one per row the API lists; a finding's detail shows its path hop by
 * hop (direct, and through a load balancer) with the API's components; a topology is deleted after
 * a confirmation and its findings close; a read-only key is offered neither upload nor delete.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT } from '../helpers/prereq.ts';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';

const MIXED = join(ROOT, 'src', 'detectors', 'network', 'testdata', 'aws', 'mixed');
const MIXED_FILES = readdirSync(MIXED).filter((f) => f.endsWith('.json')).sort().map((f) => join(MIXED, f));

interface Step { componentId: string; componentType: string }
interface NetFinding { id: string; resource: { name: string }; vulnerabilityId: string; status: string; details: { networkReachability: { networkPath: { steps: Step[] }; loadBalancer?: { arn: string }; explanation: string } } }

const skip = consoleUnavailable();

describe('console: network reachability', { skip }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  before(async () => {
    h = await startConsole();
    console.log(`console screenshots: ${h.screenshots}`);
    s = await h.open({ key: h.seed.keys.admin });
  });
  after(async () => {
    await s?.close();
    await h?.close();
  });

  /** the findings of type network_reachability (every status when `status` is given) */
  async function netFindings(status?: string): Promise<{ id: string; resource: { name: string }; vulnerabilityId: string; status: string }[]> {
    const r = await h.api(`/v1/findings?type=network_reachability&limit=500${status ? `&status=${status}` : ''}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.items;
  }

  test('upload: files that are not JSON or not AWS CLI file names are reported in the form and nothing is sent', async () => {
    const { page, watch } = s;
    await page.goto('/network');
    await settle(page, watch);
    const puts: string[] = [];
    page.on('request', (r) => { if (r.method() === 'PUT') puts.push(r.url()); });
    const form = page.getByRole('form', { name: 'Upload a topology' });
    await form.getByLabel('Topology name').fill('bad-files');
    await form.getByLabel(/AWS CLI output files/).setInputFiles([
      { name: 'describe-instances.json', mimeType: 'application/json', buffer: Buffer.from('{"Reservations": [') },
      { name: 'instances.json', mimeType: 'application/json', buffer: Buffer.from('{}') },
    ]);
    const files = form.getByRole('table', { name: 'Chosen files' });
    await files.getByText(/not JSON/).waitFor();
    assert.match((await files.locator('tr', { hasText: 'describe-instances.json' }).textContent()) ?? '', /not JSON.*not sent/);
    assert.match((await files.locator('tr', { hasText: /^instances\.json/ }).textContent()) ?? '', /not one of the AWS CLI file names.*not sent/);
    assert.equal(await form.getByRole('button', { name: 'Upload and analyse' }).isDisabled(), true, 'no upload while a file cannot be sent');
    await form.getByRole('button', { name: 'Clear files' }).click();
    assert.deepEqual(puts, []);
    assert.equal((await h.api('/v1/network/topologies/bad-files')).status, 404, 'nothing reached the server');
    watch.assertClean('bad files');
  });

  test('a file the server refuses (JSON, not the AWS CLI\'s shape): its error in the form, the topology listed FAILED', async () => {
    const { page, watch } = s;
    await page.goto('/network');
    await settle(page, watch);
    const form = page.getByRole('form', { name: 'Upload a topology' });
    await form.getByLabel('Topology name').fill('wrong-shape');
    await form.getByLabel(/AWS CLI output files/).setInputFiles([{ name: 'describe-instances.json', mimeType: 'application/json', buffer: Buffer.from('{"Reservations": 5}') }]);
    await form.getByRole('table', { name: 'Chosen files' }).getByText('JSON, will be sent').waitFor();
    await form.getByRole('button', { name: 'Upload and analyse' }).click();
    const alert = form.getByRole('alert').filter({ hasText: 'VIGIL_INVALID_INPUT' });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /describe-instances\.json/, 'the error names the file');
    const row = page.getByRole('table', { name: 'Network topologies' }).locator('tbody tr', { hasText: 'wrong-shape' });
    await row.getByText('FAILED').waitFor();
    const t = (await h.api('/v1/network/topologies/wrong-shape')).body;
    assert.equal(t.status, 'FAILED');
    assert.ok((await row.textContent())?.includes(t.error.message), 'the row shows the server\'s error');
    await page.screenshot({ path: join(h.screenshots, 'network-refused.png'), fullPage: true });
    // the 400 is the answer this test asked for
    const expected = watch.problems.filter((p) => /^HTTP 400: PUT .*\/v1\/network\/topologies\/wrong-shape$/.test(p));
    assert.equal(expected.length, 1);
    watch.problems.splice(0, watch.problems.length, ...watch.problems.filter((p) => !expected.includes(p)));
    await h.api('/v1/network/topologies/wrong-shape', { method: 'DELETE' });
    watch.assertClean('refused upload');
  });

  test('upload the mixed topology: ANALYZED, as the API says; its findings list; a finding shows its path', async () => {
    const { page, watch } = s;
    await page.goto('/network');
    await settle(page, watch);
    const form = page.getByRole('form', { name: 'Upload a topology' });
    await form.getByLabel('Topology name').fill('mixed');
    await form.getByLabel(/AWS CLI output files/).setInputFiles(MIXED_FILES);
    const chosen = form.getByRole('table', { name: 'Chosen files' }).locator('tbody tr');
    await chosen.nth(MIXED_FILES.length - 1).waitFor();
    assert.equal(await chosen.count(), MIXED_FILES.length);
    assert.equal(await chosen.filter({ hasText: 'JSON, will be sent' }).count(), MIXED_FILES.length);
    assert.equal((await form.getByTestId('missing-count').textContent())?.trim(), 'all chosen', 'mixed has every AWS CLI file');
    await form.getByRole('button', { name: 'Upload and analyse' }).click();

    // the server analyses before it answers; the page selects the new topology
    const table = page.getByRole('table', { name: 'Network topologies' });
    const row = table.locator('tbody tr', { hasText: 'mixed' });
    await row.getByText('ANALYZED').waitFor({ timeout: 60_000 });
    await page.waitForURL((u) => u.searchParams.get('topology') === 'mixed');
    await page.getByRole('region', { name: 'Topology mixed' }).waitFor();
    await settle(page, watch);
    const topo = (await h.api('/v1/network/topologies/mixed')).body;
    assert.equal(topo.status, 'ANALYZED', JSON.stringify(topo.error));
    assert.deepEqual([...topo.files].sort(), MIXED_FILES.map((f) => f.split('/').pop()).sort());
    assert.ok(topo.counts.findings > 0, 'mixed has reachable ports');
    const findings = await netFindings();
    assert.equal(findings.length, topo.counts.findings, 'the topology\'s count is the findings the API lists');
    assert.ok((await row.textContent())?.includes(String(topo.counts.findings)), 'the row shows the findings count');
    // the notes of the analysis are shown with the topology
    const detail = page.getByRole('region', { name: 'Topology mixed' });
    for (const n of topo.notes as { message: string }[]) assert.ok((await detail.textContent())?.includes(n.message), `the note "${n.message}" is shown`);

    // its findings: the findings page filtered by type
    await row.getByRole('link', { name: /findings of mixed/ }).click();
    await page.waitForURL((u) => u.pathname === '/findings' && u.searchParams.getAll('type').includes('network_reachability'));
    // a client-side navigation: the Network page stays on screen until the findings page's chunk has
    // arrived, and a load state is already reached, so wait for the new page itself
    await page.getByRole('heading', { level: 1, name: 'Findings' }).waitFor();
    await settle(page, watch);
    await page.getByRole('table', { name: 'Findings' }).locator('tbody tr').first().waitFor();
    const rows = page.getByRole('table', { name: 'Findings' }).locator('tbody tr');
    assert.equal(await rows.count(), Math.min(findings.length, 50), 'one row per network finding (first page)');
    assert.ok((await page.getByRole('button', { name: 'Remove filter Finding type network_reachability' }).count()) === 1, 'the type chip is shown');
    // the port instead of a package: TCP 22 of i-web
    const web22 = findings.find((f) => f.resource.name === 'i-web' && f.vulnerabilityId === 'NET-TCP-22');
    assert.ok(web22, `mixed: i-web has TCP 22 open (${findings.map((f) => `${f.resource.name} ${f.vulnerabilityId}`).join(', ')})`);
    const webRow = rows.filter({ has: page.getByRole('link', { name: 'i-web', exact: true }) }).filter({ hasText: 'NET-TCP-22' });
    assert.match((await webRow.textContent()) ?? '', /TCP port 22 \(SSH\)/);

    // a direct path: Internet gateway igw-1 → … → Instance i-web
    await webRow.getByRole('link', { name: 'NET-TCP-22' }).click();
    await page.waitForURL((u) => u.pathname === `/findings/${web22.id}`);
    await page.getByRole('heading', { level: 1, name: 'NET-TCP-22' }).waitFor();
    await settle(page, watch);
    const direct = (await h.api(`/v1/findings/${web22.id}`)).body as NetFinding;
    await checkPath(direct);

    // through the load balancer: i-app1 behind alb-1
    const app = findings.find((f) => f.resource.name === 'i-app1');
    assert.ok(app, 'mixed: i-app1 is reachable through alb-1');
    await page.goto(`/findings/${app.id}`);
    await settle(page, watch);
    const viaLb = (await h.api(`/v1/findings/${app.id}`)).body as NetFinding;
    assert.ok(viaLb.details.networkReachability.loadBalancer, 'the API names the load balancer');
    await checkPath(viaLb);
    const section = page.getByRole('region', { name: 'Network path' });
    assert.ok((await section.textContent())?.includes('alb-1'), 'the load balancer is named');
    assert.match((await section.textContent()) ?? '', /Target health/);
    watch.assertClean('upload mixed, open its findings');

    /** the chain on the page is the API's steps, in order, each with its label and id */
    async function checkPath(f: NetFinding) {
      const steps = f.details.networkReachability.networkPath.steps;
      const chain = page.getByRole('list', { name: /Network path/ });
      const items = chain.getByRole('listitem');
      assert.equal(await items.count(), steps.length + 1, 'the internet, then one box per hop');
      const types = await chain.locator('[data-component-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-component-type')));
      assert.deepEqual(types, steps.map((x) => x.componentType));
      const texts = (await items.allTextContents()).slice(1);
      // the whole id in the box's title; an ARN shortened to the load balancer's or target group's name
      const titles = await chain.locator('[data-component-type] [title]').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
      assert.deepEqual(titles, steps.map((x) => `${x.componentType} ${x.componentId}`));
      steps.forEach((x, i) => {
        const parts = x.componentId.startsWith('arn:') ? x.componentId.split(':').slice(5).join(':').split('/') : [];
        const id = parts.length ? (['app', 'net', 'gwy'].includes(parts[1]) ? parts[2] : parts[1]) : x.componentId;
        assert.ok(texts[i].includes(id), `hop ${i + 1} (${x.componentType}) shows ${id}: "${texts[i]}"`);
      });
      assert.match(texts[0], /^→?\s*Internet gateway/);
      assert.match(texts[texts.length - 1], /Instance/);
      assert.equal((await page.getByTestId('network-explanation').textContent())?.trim(), f.details.networkReachability.explanation);
      // no package, advisory or CVSS sections for this type
      for (const title of ['Where it is', 'Why it matched', 'CVSS']) assert.equal(await page.getByRole('region', { name: title, exact: true }).count(), 0, `no "${title}" section`);
      assert.equal(await page.getByRole('region', { name: 'Vigil score' }).count(), 1);
    }
  });

  test('a read-only key sees the topologies but is offered neither upload nor delete', async () => {
    const t = await h.open({ key: h.seed.keys.readOnly });
    try {
      const { page, watch } = t;
      await page.goto('/network');
      await settle(page, watch);
      await page.getByRole('table', { name: 'Network topologies' }).getByText('mixed').first().waitFor();
      assert.equal(await page.getByRole('form', { name: 'Upload a topology' }).count(), 0);
      assert.equal(await page.getByRole('main').getByRole('button', { name: /^Delete/ }).count(), 0);
      watch.assertClean('read-only network page');
    } finally {
      await t.close();
    }
  });

  test('delete after a confirmation: the topology is gone and its findings closed', async () => {
    const { page, watch } = s;
    const active = await netFindings();
    assert.ok(active.length > 0);
    await page.goto('/network');
    await settle(page, watch);
    const row = page.getByRole('table', { name: 'Network topologies' }).locator('tbody tr', { hasText: 'mixed' });
    await row.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete the topology mixed?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await h.api('/v1/network/topologies/mixed')).status, 200, 'Cancel deletes nothing');
    await row.getByRole('button', { name: /^Delete/ }).click();
    await dialog.getByRole('button', { name: 'Delete topology' }).click();
    await page.getByRole('status').filter({ hasText: 'Topology mixed is deleted' }).waitFor();
    await settle(page, watch);
    assert.equal(await page.getByRole('table', { name: 'Network topologies' }).locator('tbody tr', { hasText: 'mixed' }).count(), 0);
    assert.equal((await h.api('/v1/network/topologies/mixed')).status, 404);
    assert.deepEqual(await netFindings(), [], 'no ACTIVE network finding is left');
    const closed = await netFindings('CLOSED');
    assert.deepEqual(closed.map((f) => f.id).sort(), active.map((f) => f.id).sort(), 'the topology\'s findings are CLOSED');
    watch.assertClean('delete topology');
  });
});
