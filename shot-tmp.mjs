// throwaway: node shot-tmp.mjs <keyName> <name> <path> [<name> <path>...] ; actions via env ACT (js executed in page context via playwright)
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
const keys = JSON.parse(readFileSync('/tmp/admin-demo/demo-keys.json', 'utf8'));
const [who, ...rest] = process.argv.slice(2);
const BASE = process.env.BASE ?? 'http://127.0.0.1:8094';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
page.on('pageerror', (e) => console.log('page error:', e.message));
await page.goto(BASE + '/login');
await page.fill('#api-key', keys[who]);
await page.click('button[type=submit]');
await page.waitForURL((u) => !u.pathname.startsWith('/login'));
const axeSrc = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
for (let i = 0; i < rest.length; i += 2) {
  const [name, path] = [rest[i], rest[i + 1]];
  await page.goto(BASE + path);
  await page.waitForTimeout(1200);
  if (process.env.STEP) { const fn = new Function('page', `return (async () => { ${process.env.STEP} })()`); await fn(page); await page.waitForTimeout(800); }
  await page.screenshot({ path: `/tmp/admin-shots/${name}.png`, fullPage: true });
  await page.addScriptTag({ content: axeSrc });
  const r = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.length} ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`));
  console.log(name, r.length ? r : 'axe: clean');
}
await browser.close();
