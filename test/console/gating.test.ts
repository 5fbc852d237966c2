/**
 * Gate policies in the console (issue 19), in real Chromium against a real server and store: a
 * policy written in the YAML editor — a field the server refuses shown at its line and field (the
 * gutter marks the line), text that is not YAML at its line — then saved, its admission token shown
 * once; "Check an image" shows the registry gate's verdict (GET /v1/gate) for the seeded image
 * (denied, with the API's reasons) and for an image the server does not know; the policy edited
 * to audit mode (allowed, with warnings); deleted. A read-only key is offered no write action.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { consoleUnavailable, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';
import { expectRefused, shooter, text } from './issue19.ts';

const skip = consoleUnavailable();

describe('console: gate policies', { skip, concurrency: false }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let shot: ReturnType<typeof shooter>;
  let imageRef = '';

  before(async () => {
    h = await startConsole();
    console.log(`console screenshots: ${h.screenshots}`);
    shot = shooter(h, 'gating');
    s = await h.open({ key: h.seed.keys.admin });
    const img = (await h.api(`/v1/resources/${h.seed.imageId}`)).body as { name: string; digest: string };
    imageRef = `${img.name}@${img.digest}`;
  });
  after(async () => {
    await s?.close();
    await h?.close();
  });

  const editorText = (src: string) => s.page.getByLabel(/^Policy \(YAML or JSON\)/).fill(src);
  const problems = () => s.page.getByTestId('policy-problem');

  test('the YAML editor: a refused field at its line, text that is not YAML at its line; saved, the admission token once', async () => {
    const { page } = s;
    await page.goto('/gating');
    await settle(page, s.watch);
    await page.getByText('No gate policy yet').waitFor();
    await shot(s, 'empty');
    await page.getByRole('button', { name: 'New policy' }).click();
    const form = page.getByRole('form', { name: 'New gate policy' });
    await form.getByLabel(/^Name/).fill('default');
    await editorText('mode: enforce\nunknownImages: deny\nrules:\n  - name: bad\n    severity: SUPER\n');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await problems().first().waitFor();
    expectRefused(s, /HTTP 400: PUT .*\/v1\/gate\/policies\/default$/);
    assert.match(await text(problems().first()), /^Line 5 · rules\.0\.severity: /);
    assert.deepEqual((await page.locator('.gutter .bad-line').allInnerTexts()).map((t) => t.trim()), ['5'], 'the gutter marks line 5');
    await shot(s, 'field-error');
    await editorText('mode: enforce\nrules: [\n  { severity: HIGH }\n');
    await form.getByRole('button', { name: 'Create policy' }).click();
    await problems().filter({ hasText: 'column' }).waitFor();
    expectRefused(s, /HTTP 400: PUT .*\/v1\/gate\/policies\/default$/);
    assert.match(await text(problems().first()), /^Line \d+: .*column \d+/);
    await shot(s, 'yaml-error');
    await editorText('mode: enforce\nfailurePolicy: closed\nunknownImages: deny\nrules:\n  - name: high-or-worse\n    severity: HIGH\n');
    await form.getByRole('button', { name: 'Create policy' }).click();
    const once = page.getByRole('region', { name: 'Policy default is created' });
    await once.waitFor();
    const url = await once.getByRole('textbox', { name: 'Admission webhook URL' }).inputValue();
    const token = await once.getByRole('textbox', { name: 'Admission token' }).inputValue();
    assert.ok(url.endsWith(`/v1/admission/${h.seed.accounts.admin}/default/${token}`), url);
    await shot(s, 'token-once');
    await once.getByRole('button', { name: 'I have stored it' }).click();
    const api = (await h.api('/v1/gate/policies')).body.items as { name: string; policy: { mode: string; rules: unknown[] } }[];
    assert.deepEqual(api.map((p) => [p.name, p.policy.mode, p.policy.rules.length]), [['default', 'enforce', 1]]);
    assert.match(await text(page.getByRole('row').filter({ hasText: 'high-or-worse' })), /enforce.*fails closed.*unknown images: deny.*high-or-worse: severity HIGH/);
  });

  test('check an image: the verdict and reasons are the registry gate\'s; an unknown image is denied by unknownImages', async () => {
    const { page } = s;
    const box = page.getByRole('form', { name: 'Check an image' });
    await box.getByLabel('Image').fill(imageRef);
    await box.getByRole('button', { name: 'Check' }).click();
    await page.waitForURL(/image=/);
    const verdict = page.getByTestId('gate-verdict');
    await verdict.waitFor();
    await settle(page, s.watch);
    const api = (await h.api(`/v1/gate?image=${encodeURIComponent(imageRef)}&policy=default`)).body as { allowed: boolean; reasons: { vulnerabilityId: string }[]; evaluated: number };
    assert.equal(api.allowed, false, 'the seeded image has HIGH and CRITICAL findings');
    assert.match(await text(verdict.locator('.verdict')), new RegExp(`^Denied by policy default \\(enforce\\) · ${api.evaluated} open findings evaluated`));
    const rows = verdict.getByRole('table').getByRole('row');
    assert.equal(await rows.count(), api.reasons.length + 1);
    for (const r of api.reasons) assert.ok((await text(verdict.getByRole('table'))).includes(r.vulnerabilityId), r.vulnerabilityId);
    await shot(s, 'verdict-denied');
    // the URL holds the check: a reload shows it again
    await page.reload();
    await verdict.waitFor();
    await box.getByLabel('Image').fill('registry.acme.test/never/seen:1.0');
    await box.getByRole('button', { name: 'Check' }).click();
    await verdict.getByText('Unknown image').waitFor();
    await settle(page, s.watch);
    assert.match(await text(verdict.locator('.verdict')), /^Denied/);
    await shot(s, 'verdict-unknown');
  });

  test('edited to audit mode: allowed, with the violations as warnings; deleted', async () => {
    const { page } = s;
    await page.goto('/gating');
    await settle(page, s.watch);
    await page.getByRole('button', { name: 'Edit default' }).click();
    const form = page.getByRole('form', { name: 'Edit policy default' });
    await editorText('mode: audit\nunknownImages: allow\nrules:\n  - name: high-or-worse\n    severity: HIGH\n');
    await shot(s, 'edit');
    await form.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Policy default is saved.').waitFor();
    const box = page.getByRole('form', { name: 'Check an image' });
    await box.getByLabel('Image').fill(imageRef);
    await box.getByRole('button', { name: 'Check' }).click();
    const verdict = page.getByTestId('gate-verdict');
    await verdict.getByText('Allowed').waitFor();
    await settle(page, s.watch);
    assert.match(await text(verdict.locator('.verdict')), /^Allowed by policy default \(audit: violations reported, not denied\)/);
    assert.match(await text(verdict.getByRole('table')), /^Warnings/);
    await shot(s, 'verdict-audit');
    await page.getByRole('row').filter({ hasText: 'high-or-worse' }).getByRole('button', { name: 'Delete default' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete policy' }).click();
    await page.getByText('Gate policy default is deleted').waitFor();
    assert.deepEqual((await h.api('/v1/gate/policies')).body.items, []);
  });

  test('a read-only key is offered no write action', async () => {
    await h.api('/v1/gate/policies/ro-visible', { method: 'PUT', body: { rules: [{ kev: true }] } });
    const ro = await h.open({ key: h.seed.keys.readOnly });
    try {
      await ro.page.goto('/gating');
      await settle(ro.page, ro.watch);
      await ro.page.getByRole('cell', { name: 'ro-visible', exact: true }).waitFor();
      assert.equal(await ro.page.getByRole('button', { name: /^(New policy|Edit|Delete)/ }).count(), 0);
      await shot(ro, 'read-only');
    } finally {
      await ro.close();
    }
  });
});
