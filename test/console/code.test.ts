/**
 * Secrets and code flaws in the console (issue 17), in real Chromium against a real server. The
 * findings are made the way a scan makes them: the real secret rules over planted files (tokens in
 * their providers' real formats drawn from a seeded generator, src/detectors/secrets/testutil.ts)
 * and the real SAST analysers over a small Flask app and an Express route, recorded through
 * recordScan (its secret and code writer, src/findings/code.ts) on a repository — one secret only
 * in the git history — and an image, one secret in a layer.
 *
 * Checked against the API: the findings list filtered to secrets, by detector rule and by file
 * (one row per finding, the file and the rule in place of the package, no fix); a secret's page
 * (provider, rule, confidence, masked line, prefix and hash, location, layer, commit and "removed
 * from the current tree"; the secret itself nowhere in the page); a code flaw's page (CWE links,
 * the taint trace step by step, the suggested fix as before and after); the grouped view's type
 * labels; suppressing one secret suppresses that one only. Every page is screenshotted and has no
 * serious axe-core violation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyzeCode } from '../../src/detectors/code/index.ts';
import { scanText } from '../../src/detectors/secrets/index.ts';
import { tokenGenerator } from '../../src/detectors/secrets/testutil.ts';
import { buildScanResult, loadAdvisoryContext, recordScan } from '../../src/findings/index.ts';
import type { ResourceInput } from '../../src/findings/types.ts';
import { matchInventory } from '../../src/matching/index.ts';
import type { CodeFinding, LayerRef, SecretFinding } from '../../src/model/index.ts';
import type { Store } from '../../src/store/index.ts';
import { packageLookup } from '../../src/vulndb/query.ts';
import { consoleUnavailable, describeViolations, seriousViolations, settle, startConsole, type ConsoleHarness, type ConsoleSession } from './harness.ts';

const REPO: ResourceInput = { type: 'repository', name: 'https://git.acme.test/payments/checkout-service.git', ref: 'main' };
const IMAGE: ResourceInput = {
  type: 'image', name: 'registry.acme.test/payments/checkout', ref: 'registry.acme.test/payments/checkout:3.1.0',
  digest: 'sha256:3e3a6b2c1d0f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c', tags: ['3.1.0'],
};
const LAYER: LayerRef = { index: 4, digest: 'sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0', createdBy: 'COPY . /app # buildkit' };
const COMMIT = { id: 'c0ffee1234567890abcdef1234567890abcdef12', author: 'Dana Developer <dana@acme.test>', date: '2026-10-14T09:12:44Z', inHead: false };

/** A Flask app: a command injection across a call, yaml.load of the request (a trace and a fix), an MD5 (a fix, no trace). */
const VIEWS_PY = `import os
import hashlib
import yaml
from flask import Flask, request

app = Flask(__name__)


def run_report(name):
    cmd = "generate-report --name " + name
    os.system(cmd)


@app.route("/report")
def report():
    name = request.args.get("name")
    run_report(name)
    return "ok"


@app.route("/import", methods=["POST"])
def import_config():
    config = yaml.load(request.data)
    return str(config)


def fingerprint(data):
    return hashlib.md5(data).hexdigest()
`;
/** An Express route: a path traversal. */
const INVOICES_TS = `import express from 'express';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const router = express.Router();

router.get('/invoices/:file', async (req, res) => {
  const file = req.params.file;
  const full = path.join('/srv/invoices', file);
  res.send(await readFile(full, 'utf8'));
});

export default router;
`;

interface Planted { secrets: string[]; code: CodeFinding[] }

/** Scans the planted files with the real detectors and records them as two scans would. */
async function seedCode(store: Store, accountId: string, now: Date): Promise<Planted> {
  const gen = tokenGenerator(1717);
  const g = (kind: string) => gen.make(kind);
  const awsId = g('aws-id');
  const awsSecret = g('aws-secret');
  const ghp = g('ghp');
  const npm = g('npm');
  const stripe = g('stripe-live');
  const settings = `import os\n\nDEBUG = False\nAWS_REGION = "eu-west-1"\nAWS_ACCESS_KEY_ID = "${awsId}"\nAWS_SECRET_ACCESS_KEY = "${awsSecret}"\nSTRIPE_API_KEY = "${stripe}"\nDATABASE_URL = os.environ["DATABASE_URL"]\n`;
  // a minified file: the scanner cuts the line around the secret; the page must still fit the window
  const slack = g('slack-bot');
  const features = Array.from({ length: 30 }, (_, i) => `"feature_${i}":{"enabled":${i % 2 === 0},"rollout":${i * 3}}`).join(',');
  const appJson = `{"service":"checkout",${features},"slack":{"token":"${slack}"},"region":"eu-west-1"}\n`;
  const repoSecrets: SecretFinding[] = [
    ...scanText('config/settings.py', settings),
    ...scanText('config/app.json', appJson),
    // found in the git history: added by COMMIT, removed from the tree since
    ...scanText('deploy/.env', `GITHUB_TOKEN=${ghp}\n`).map((f) => ({ ...f, location: { ...f.location, commit: COMMIT } })),
  ];
  const imageSecrets = scanText('app/.npmrc', `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${npm}\n`).map((f) => ({ ...f, location: { ...f.location, layer: LAYER } }));
  const code = await analyzeCode([{ path: 'app/views.py', text: VIEWS_PY }, { path: 'src/routes/invoices.ts', text: INVOICES_TS }]);
  assert.deepEqual(code.errors, []);
  assert.deepEqual(repoSecrets.map((f) => f.rule).sort(), ['aws-access-key', 'github-pat-classic', 'slack-bot-token', 'stripe-secret-key'].sort(), 'the planted repository secrets are found');
  assert.deepEqual(imageSecrets.map((f) => f.rule), ['npm-access-token'], 'the planted image secret is found');

  const lookup = packageLookup(store);
  const record = async (resource: ResourceInput, extra: { secrets: SecretFinding[]; code: CodeFinding[] }, at: Date) => {
    const report = await matchInventory([], lookup);
    const ctx = await loadAdvisoryContext(store, []);
    const target = { kind: resource.type === 'image' ? 'registry' : 'git', ref: resource.ref ?? resource.name, ...(resource.digest ? { digest: resource.digest, layers: [LAYER] } : {}) };
    const result = { ...buildScanResult({ target, packages: [], errors: [], report, ctx, createdAt: at.toISOString(), version: 'console-tests' }), secrets: extra.secrets, code: extra.code };
    await recordScan(store, { accountId, resource, result, now: at });
  };
  await record(REPO, { secrets: repoSecrets, code: code.findings }, new Date(now.getTime() - 2 * 3_600_000));
  await record(IMAGE, { secrets: imageSecrets, code: [] }, new Date(now.getTime() - 3_600_000));
  return { secrets: [awsId, awsSecret, ghp, npm, stripe, slack], code: code.findings };
}

interface Loc { path: string; line: number; column: number; layer?: { digest: string }; commit?: { id: string; author: string; inHead: boolean } }
interface Summary { id: string; type: string; vulnerabilityId: string; advisoryId: string; title: string; status: string; package: { name: string; version: string; location: string }; resource: { id: string; name: string } }
interface Detail extends Summary {
  details: {
    secret?: { rule: string; provider: string; confidence: string; prefix: string; hash: string; snippet: string; location: Loc };
    code?: { rule: string; cwe: string[]; language: string; snippet: string; location: Loc; trace: { kind: string; location: Loc; label: string }[]; remediation: string; fix?: { description: string; replacement?: string } };
    scoring?: { formula: string; adjustments: { metric: string }[] };
  };
}

const skip = consoleUnavailable();

describe('console: secrets and code flaws', { skip }, () => {
  let h: ConsoleHarness;
  let s: ConsoleSession;
  let planted: Planted;
  before(async () => {
    h = await startConsole();
    console.log(`console screenshots: ${h.screenshots}`);
    planted = await seedCode(h.store, h.seed.accounts.admin, new Date());
    s = await h.open({ key: h.seed.keys.admin });
  });
  after(async () => {
    await s?.close();
    await h?.close();
  });

  async function list(query: string): Promise<Summary[]> {
    const r = await h.api(`/v1/findings?limit=500&${query}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.items;
  }
  async function detail(id: string): Promise<Detail> {
    const r = await h.api(`/v1/findings/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  }
  /** no full secret in the page's text or markup (the API never has it; the console must not make one up either) */
  async function assertNoSecret(what: string) {
    const html = await s.page.content();
    for (const secret of planted.secrets) assert.ok(!html.includes(secret), `${what}: the page holds a whole planted secret (${secret.slice(0, 4)}…)`);
  }
  /** screenshot, axe, and nothing wider than the window (long paths and lines scroll inside their box) */
  async function shoot(name: string) {
    await s.page.screenshot({ path: join(h.screenshots, `${name}.png`), fullPage: true });
    const overflow = await s.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(overflow.scroll <= overflow.client, `${name}: the page is ${overflow.scroll}px wide in a ${overflow.client}px window`);
    const vs = await seriousViolations(s.page);
    assert.equal(vs.length, 0, `${name}: serious accessibility violations (axe-core, WCAG 2 A/AA):\n  ${describeViolations(vs)}`);
  }

  test('the recorded findings follow the contract (the writer, seen through the API)', async () => {
    const secrets = await list('type=secret');
    assert.equal(secrets.length, 5, secrets.map((f) => f.advisoryId).join(', '));
    for (const f of secrets) {
      assert.equal(f.vulnerabilityId, 'CWE-798');
      assert.match(f.advisoryId, /^secret\//);
    }
    const code = await list('type=code_vulnerability');
    assert.equal(code.length, planted.code.length);
    assert.deepEqual(code.map((f) => f.advisoryId).sort(), planted.code.map((f) => f.rule).sort());
  });

  test('findings list filtered to secrets: a "secret" tag, the file and the rule, no fix; the detector and file filters', async () => {
    const { page, watch } = s;
    const secrets = await list('type=secret');
    await page.goto('/findings?type=secret');
    await settle(page, watch);
    const table = page.getByRole('table', { name: 'Findings' });
    const rows = table.locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), secrets.length, 'one row per secret');
    assert.equal(await page.getByRole('button', { name: 'Remove filter Finding type secret' }).count(), 1, 'the type chip is shown');
    for (const f of secrets) {
      const row = rows.filter({ has: page.getByRole('link', { name: f.vulnerabilityId }) }).filter({ hasText: f.advisoryId }).filter({ hasText: f.package.name });
      assert.equal(await row.count(), 1, `a row for ${f.advisoryId} in ${f.package.name}`);
      const text = (await row.textContent()) ?? '';
      assert.match(text, /secret/, 'the type tag');
      assert.doesNotMatch(text, /No fix yet/, 'no fixed version is promised for a secret');
      if (f.package.version) assert.ok(text.includes(f.package.version.slice(0, 10)), 'the commit of a secret found in the history');
    }
    assert.equal(await table.getByRole('columnheader', { name: 'Package, port or file' }).count(), 1);
    await assertNoSecret('findings list');
    await shoot('code-findings-secrets');

    // the detector rule filter, as a chip added through the form
    await page.getByLabel('Filter field').selectOption({ label: 'Detector rule' });
    await page.getByLabel('Filter value').fill('secret/aws-access-key');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.waitForURL((u) => u.searchParams.get('detector') === 'secret/aws-access-key');
    await settle(page, watch);
    const byRule = await list('type=secret&detector=secret/aws-access-key');
    assert.equal(byRule.length, 1);
    assert.equal(await rows.count(), 1);

    // the file filter, a pattern
    await page.goto('/findings?filePath=app/*.py');
    await settle(page, watch);
    const inViews = await list('filePath=app/*.py');
    assert.ok(inViews.length >= 3, `the Flask app's flaws (${inViews.map((f) => f.advisoryId).join(', ')})`);
    assert.ok(inViews.every((f) => f.package.name === 'app/views.py'));
    await rows.first().waitFor();
    assert.equal(await rows.count(), inViews.length);
    assert.equal(await page.getByRole('button', { name: 'Remove filter File path app/*.py' }).count(), 1);
    for (const text of await rows.allTextContents()) {
      assert.match(text, /code/, 'the type tag');
      assert.match(text, /app\/views\.py/);
    }
    watch.assertClean('findings list of secrets and code');
  });

  test('group by finding type (labels for the new types), by detector rule and by file; a group opens its findings', async () => {
    const { page, watch } = s;
    await page.goto('/findings?group=type');
    await settle(page, watch);
    const groups = page.getByRole('table', { name: /grouped by finding type/ });
    await groups.locator('tbody tr').first().waitFor();
    const secretRow = groups.locator('tbody tr', { has: page.getByRole('button', { name: 'secret', exact: true }) });
    assert.match((await secretRow.textContent()) ?? '', /Secret/);
    const codeRow = groups.locator('tbody tr', { has: page.getByRole('button', { name: 'code_vulnerability', exact: true }) });
    assert.match((await codeRow.textContent()) ?? '', /Code vulnerability/);

    // by detector rule: a group opens the list filtered by its rule
    const byDetector = (await h.api('/v1/aggregations/findings?by=detector&type=code_vulnerability')).body as { items: { key: string; count: number }[] };
    assert.equal(byDetector.items.reduce((a, i) => a + i.count, 0), planted.code.length);
    await page.goto('/findings?group=detector&type=code_vulnerability');
    await settle(page, watch);
    const detectors = page.getByRole('table', { name: /grouped by detector rule/ }).locator('tbody tr');
    await detectors.first().waitFor();
    assert.equal(await detectors.count(), byDetector.items.length);
    await page.getByRole('button', { name: 'python/command-injection', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('detector') === 'python/command-injection' && !u.searchParams.has('group'));
    await settle(page, watch);
    assert.equal(await page.getByRole('table', { name: 'Findings' }).locator('tbody tr').count(), byDetector.items.find((i) => i.key === 'python/command-injection')!.count);

    // by file
    const byFile = (await h.api('/v1/aggregations/findings?by=file')).body as { items: { key: string; count: number }[] };
    await page.goto('/findings?group=file');
    await settle(page, watch);
    const files = page.getByRole('table', { name: /grouped by file/ }).locator('tbody tr');
    await files.first().waitFor();
    assert.equal(await files.count(), byFile.items.length);
    assert.ok(byFile.items.some((i) => i.key === 'app/views.py'), byFile.items.map((i) => i.key).join(', '));
    await shoot('code-group-file');
    await page.getByRole('button', { name: 'app/views.py', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('filePath') === 'app/views.py');
    await settle(page, watch);
    assert.equal(await page.getByRole('table', { name: 'Findings' }).locator('tbody tr').count(), byFile.items.find((i) => i.key === 'app/views.py')!.count);
    watch.assertClean('group by type, detector, file');
  });

  test('a secret\'s page: provider, rule, confidence, the masked line, prefix and hash, where it is; remediation; no package sections', async () => {
    const { page, watch } = s;
    const [f] = await list('type=secret&detector=secret/aws-access-key');
    const d = await detail(f.id);
    const sd = d.details.secret!;
    assert.ok(sd, 'details.secret');
    await page.goto(`/findings?type=secret`);
    await settle(page, watch);
    await page.getByRole('table', { name: 'Findings' }).locator('tbody tr', { hasText: 'secret/aws-access-key' }).getByRole('link', { name: 'CWE-798' }).click();
    await page.waitForURL((u) => u.pathname === `/findings/${f.id}`);
    await page.getByRole('heading', { level: 1, name: f.title }).waitFor();
    await settle(page, watch);

    const section = page.getByRole('region', { name: 'Secret', exact: true });
    const text = (await section.textContent()) ?? '';
    for (const want of [sd.provider, sd.rule, `${sd.prefix}…`, sd.hash.slice(0, 16), `${sd.location.path}:${sd.location.line}:${sd.location.column}`]) {
      assert.ok(text.includes(want), `the Secret section shows "${want}"`);
    }
    assert.match(await page.getByTestId('secret-confidence').textContent() ?? '', new RegExp(sd.confidence, 'i'));
    // the masked line, in monospace, as the API gives it
    const snippet = section.getByRole('group', { name: 'The line, the secret masked' });
    assert.equal((await snippet.locator('code').allTextContents()).join('\n'), sd.snippet);
    assert.match(await snippet.locator('pre').evaluate((e) => getComputedStyle(e).fontFamily), /mono/i);
    assert.match(await page.getByTestId('remediation').textContent() ?? '', /rotate or revoke it at the provider first\. Then remove it from the code and from the git history/);
    // the summary is the shared one; nothing about packages, advisories or CVSS
    const summary = page.getByRole('region', { name: 'Summary' });
    assert.match(await summary.textContent() ?? '', /Secret/);
    assert.match(await summary.getByRole('link', { name: 'CWE-798' }).getAttribute('href') ?? '', /cwe\.mitre\.org\/data\/definitions\/798\.html$/);
    for (const title of ['Where it is', 'Why it matched', 'CVSS', 'Exploitability', 'Description', 'References']) {
      assert.equal(await page.getByRole('region', { name: title, exact: true }).count(), 0, `no "${title}" section`);
    }
    for (const label of ['Fix available', 'Package', 'Ecosystem', 'Package URL']) {
      assert.equal(await page.locator('dt', { hasText: new RegExp(`^${label}$`) }).count(), 0, `no "${label}" field`);
    }
    const score = page.getByRole('region', { name: 'Vigil score' });
    assert.match(await score.textContent() ?? '', new RegExp(d.details.scoring!.formula));
    assert.equal(await score.locator('tbody tr').count(), 1 + d.details.scoring!.adjustments.length, 'the base and each adjustment');
    await assertNoSecret('secret page');
    await shoot('code-secret');
    watch.assertClean('secret page');
  });

  test('a secret only in the git history: commit, author, date, "removed from the current tree"; a secret in a minified line; a secret in an image layer', async () => {
    const { page, watch } = s;
    const [gh] = (await list('type=secret')).filter((f) => f.package.version);
    assert.ok(gh, 'the history secret (package.version is its commit)');
    assert.equal(gh.package.version, COMMIT.id);
    await page.goto(`/findings/${gh.id}`);
    await settle(page, watch);
    const section = page.getByRole('region', { name: 'Secret', exact: true });
    const text = (await section.textContent()) ?? '';
    for (const want of [COMMIT.id.slice(0, 10), COMMIT.author, '2026-10-14 09:12 UTC', 'removed from the current tree']) assert.ok(text.includes(want), `shows "${want}": ${text}`);
    assert.match(await page.getByTestId('remediation').textContent() ?? '', /already gone from the current tree/);
    await assertNoSecret('history secret page');
    await shoot('code-secret-history');

    // the minified file's line, cut around the secret, scrolls inside its box
    const [slackFinding] = await list('type=secret&detector=secret/slack-bot-token');
    await page.goto(`/findings/${slackFinding.id}`);
    await settle(page, watch);
    const box = page.getByRole('group', { name: 'The line, the secret masked' });
    assert.ok(await box.evaluate((e) => e.scrollWidth > e.clientWidth), 'the long line is wider than its box, which scrolls');
    await assertNoSecret('minified file secret page');
    await shoot('code-secret-long-line');

    const [npm] = await list('type=secret&detector=secret/npm-access-token');
    await page.goto(`/findings/${npm.id}`);
    await settle(page, watch);
    const layer = (await page.getByRole('region', { name: 'Secret', exact: true }).textContent()) ?? '';
    assert.ok(layer.includes(LAYER.digest.slice(0, 'sha256:'.length + 16)), 'the layer digest');
    assert.ok(layer.includes(LAYER.createdBy!), 'the layer\'s created_by');
    assert.ok(layer.includes(`#${LAYER.index}`), 'the layer index');
    assert.match(await page.getByTestId('remediation').textContent() ?? '', /rebuild the image without it/);
    await assertNoSecret('image secret page');
    await shoot('code-secret-layer');
    watch.assertClean('history and layer secrets');
  });

  test('a code flaw with a trace and a fix: CWE links, language, location, snippet, each step of the trace, before and after', async () => {
    const { page, watch } = s;
    const [f] = await list('type=code_vulnerability&detector=python/unsafe-deserialization');
    const c = (await detail(f.id)).details.code!;
    assert.ok(c.trace.length >= 2 && c.fix?.replacement, 'the planted yaml.load has a trace and a fix');
    await page.goto(`/findings/${f.id}`);
    await settle(page, watch);
    const section = page.getByRole('region', { name: 'Code', exact: true });
    for (const w of c.cwe) {
      const n = w.replace('CWE-', '');
      assert.equal(await section.getByRole('link', { name: w }).getAttribute('href'), `https://cwe.mitre.org/data/definitions/${n}.html`);
    }
    const text = (await section.textContent()) ?? '';
    assert.ok(text.includes('Python'));
    assert.ok(text.includes(`${c.location.path}:${c.location.line}:${c.location.column}`));
    assert.equal((await section.getByRole('group', { name: 'The flagged source' }).locator('code').allTextContents()).join('\n'), c.snippet);
    // the trace, in order
    const steps = section.getByRole('list', { name: /Taint trace/ }).getByRole('listitem');
    assert.equal(await steps.count(), c.trace.length);
    for (let i = 0; i < c.trace.length; i++) {
      const t = c.trace[i];
      assert.equal(await steps.nth(i).getAttribute('data-kind'), t.kind);
      const st = (await steps.nth(i).textContent()) ?? '';
      assert.ok(st.includes(`${t.location.path}:${t.location.line}`) && st.includes(t.label), `step ${i + 1}: ${st}`);
    }
    // the fix: description, before (the snippet) and after (the replacement)
    assert.equal((await page.getByTestId('code-fix-description').textContent())?.trim(), c.fix!.description);
    assert.equal((await section.getByRole('group', { name: 'Before the fix' }).locator('code').allTextContents()).join('\n'), c.snippet);
    assert.equal((await section.getByRole('group', { name: 'After the fix' }).locator('code').allTextContents()).join('\n'), c.fix!.replacement);
    assert.equal((await page.getByTestId('remediation').textContent())?.trim(), c.remediation);
    for (const title of ['Where it is', 'Why it matched', 'CVSS']) assert.equal(await page.getByRole('region', { name: title, exact: true }).count(), 0, `no "${title}" section`);
    await shoot('code-flaw-trace-fix');

    // the long trace across a call
    const [cmd] = await list('type=code_vulnerability&detector=python/command-injection');
    const cc = (await detail(cmd.id)).details.code!;
    await page.goto(`/findings/${cmd.id}`);
    await settle(page, watch);
    assert.equal(await page.getByRole('list', { name: /Taint trace/ }).getByRole('listitem').count(), cc.trace.length);
    assert.equal(await page.getByText('Suggested fix').count(), cc.fix ? 1 : 0);
    await shoot('code-flaw-trace');

    // a flaw that needs no taint: no trace, says so
    const [md5] = await list('type=code_vulnerability&detector=python/weak-hash');
    await page.goto(`/findings/${md5.id}`);
    await settle(page, watch);
    await page.getByTestId('no-trace').waitFor();
    await page.getByTestId('code-fix-description').waitFor();
    watch.assertClean('code pages');
  });

  test('suppress one secret from its page: that secret only, not every CWE-798 of the resource', async () => {
    const { page, watch } = s;
    const before = (await list('type=secret')).filter((f) => f.resource.name === REPO.name);
    const target = before.find((f) => f.advisoryId === 'secret/stripe-secret-key')!;
    assert.ok(target && before.length >= 3, 'the repository has the Stripe key and other secrets');
    await page.goto(`/findings/${target.id}`);
    await settle(page, watch);
    await page.getByRole('button', { name: 'Suppress' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Reason/).fill('a revoked key kept for the incident write-up');
    await dialog.getByRole('button', { name: 'Suppress' }).click();
    await page.getByTestId('finding-status').getByText('SUPPRESSED').waitFor();
    const after = await list('type=secret&status=ACTIVE,SUPPRESSED');
    const mine = after.filter((f) => f.resource.name === REPO.name);
    assert.deepEqual(mine.filter((f) => f.status === 'SUPPRESSED').map((f) => f.id), [target.id], 'only the chosen secret is suppressed');
    assert.equal(mine.filter((f) => f.status === 'ACTIVE').length, before.length - 1);
    watch.assertClean('suppress a secret');
  });
});
