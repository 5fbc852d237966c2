/**
 * Pieces the console tests of issue 19's pages share: a local HTTP receiver (webhooks, Slack,
 * digests) answering with the status a function decides, a screenshot-and-check step (settled, full
 * page, axe-core's serious violations, no problem in the page), and a wait for a locator's text.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { describeViolations, seriousViolations, settle, type ConsoleHarness, type ConsoleSession } from './harness.ts';

export interface Received { status: number; headers: IncomingHttpHeaders; body: string; path: string }

/** An HTTP receiver on 127.0.0.1; `status(n)` answers the n-th request (0-based). */
export async function receiver(status: (n: number) => number): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = status(got.length);
      got.push({ status: s, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      res.writeHead(s, { 'content-type': 'application/json' }).end(s < 300 ? '{"ok":true}' : '{"error":"down"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Settles the page, screenshots it as `<prefix>-<name>.png`, and fails on axe violations or page problems. */
export function shooter(h: ConsoleHarness, prefix: string) {
  return async (s: ConsoleSession, name: string): Promise<void> => {
    await settle(s.page, s.watch);
    await s.page.screenshot({ path: join(h.screenshots, `${prefix}-${name}.png`), fullPage: true });
    const vs = await seriousViolations(s.page);
    assert.equal(vs.length, 0, `${name}: serious accessibility violations:\n  ${describeViolations(vs)}`);
    s.watch.assertClean(name);
  };
}

/** The text of a locator as rendered (table cells apart), whitespace folded. */
export const text = async (l: Locator): Promise<string> => (await l.innerText()).replace(/\s+/g, ' ').trim();

/** Forgets the page problems an expected refusal caused (an HTTP 400 the form shows), and checks it was there. */
export function expectRefused(s: ConsoleSession, pattern: RegExp): void {
  const expected = s.watch.problems.filter((p) => pattern.test(p));
  assert.ok(expected.length >= 1, `expected a refusal matching ${pattern}; problems: ${s.watch.problems.join('\n')}`);
  s.watch.problems.splice(0, s.watch.problems.length, ...s.watch.problems.filter((p) => !expected.includes(p)));
}
