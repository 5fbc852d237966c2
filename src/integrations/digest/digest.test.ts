import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSmtpSettings } from '../../engine/mailer.ts';
import { digestJson, digestSubject, renderDigestHtml, renderDigestText, zeroSeverities, type DigestCounts, type DigestData } from './index.ts';

const counts = (): DigestCounts => ({
  newFindings: { total: 1, bySeverity: { ...zeroSeverities(), HIGH: 1 } }, fixedFindings: { total: 0, bySeverity: zeroSeverities() },
  open: { total: 2, bySeverity: { ...zeroSeverities(), HIGH: 1, UNKNOWN: 1 } }, coverage: { total: 1, byStatus: [{ status: 'ACTIVE', count: 1 }] },
});
const data = (): DigestData => ({
  schedule: { id: 'rpt-1', name: 'Team <b>"ops"</b> & co', kind: 'daily' }, accountId: 'acc-1', organization: false,
  period: { from: '2026-12-01T07:00:00.000Z', to: '2026-12-02T07:00:00.000Z' }, generatedAt: '2026-12-02T07:00:05.000Z', totals: counts(),
  accounts: [{ accountId: 'acc-1', name: 'a', ...counts() }],
  topRisks: [{ findingId: 'f1', accountId: 'acc-1', vulnerabilityId: 'CVE-1', title: '<script>alert(1)</script>', severity: 'HIGH', score: null,
    resource: { id: 'r1', type: 'image', name: 'reg/<img src=x>' }, package: { name: 'p&q', version: '1' }, fixedVersion: null }],
});

test('the HTML escapes every stored text and carries no style block, script or remote resource', () => {
  const html = renderDigestHtml(data());
  assert.doesNotMatch(html, /<script>|<img src=x>|<b>"ops"/);
  assert.match(html, /Team &lt;b&gt;&quot;ops&quot;&lt;\/b&gt; &amp; co/);
  assert.match(html, /reg\/&lt;img src=x&gt;/);
  assert.match(html, /p&amp;q 1/);
  assert.doesNotMatch(html, /<style|<link|https?:\/\//i);
  assert.match(html, /no fix yet/);
});

test('text and subject: unscored findings, unknown severity shown only when counted', () => {
  const text = renderDigestText(data());
  assert.match(text, /1\. - HIGH CVE-1 in p&q 1\n\s+image reg\/<img src=x>; no fix yet/);
  assert.match(text, /Unknown\s+0\s+0\s+1\n/);
  assert.doesNotMatch(text, /None\s+0/);
  assert.equal(digestSubject(data()), '[Vigil] Team <b>"ops"</b> & co: 1 new, 0 fixed, 2 open');
  const j = digestJson(data());
  assert.equal(j.type, 'dev.vigil.report.digest');
  assert.equal(j.version, 1);
});

test('SMTP settings: the operator\'s flags checked, naming the flag', () => {
  assert.equal(checkSmtpSettings({}), undefined);
  assert.deepEqual(checkSmtpSettings({ url: 'smtp://u:p@mail.example.com:587', from: 'vigil@example.com' }), { url: 'smtp://u:p@mail.example.com:587', from: 'vigil@example.com' });
  assert.equal(checkSmtpSettings({ url: 'smtps://alerts%40example.com:p@mail.example.com' })!.from, 'alerts@example.com', 'the user when it is an address');
  const bad: [Parameters<typeof checkSmtpSettings>[0], RegExp][] = [
    [{ url: 'http://mail.example.com' }, /^--smtp-url: scheme must be smtp: or smtps:/],
    [{ url: 'not a url', from: 'a@example.com' }, /^--smtp-url: must be a URL/],
    [{ from: 'a@example.com' }, /^--smtp-from: needs --smtp-url/],
    [{ url: 'smtp://mail.example.com', from: 'nobody' }, /^--smtp-from: "nobody" is not an e-mail address/],
    [{ url: 'smtp://mail.example.com' }, /^--smtp-from: "" is not an e-mail address/],
  ];
  for (const [input, message] of bad) assert.throws(() => checkSmtpSettings(input), (e: Error & { code?: string }) => e.code === 'VIGIL_CONFIG' && message.test(e.message));
});
