// SSRF (CWE-918): fetch, axios, got, http.get with user-chosen URLs.
const express = require('express');
const axios = require('axios');
const got = require('got');
const http = require('http');

const app = express();

async function proxy(url) {
  // ruleid: js/ssrf
  const r = await fetch(url);
  return r.text();
}

app.get('/preview', async (req, res) => {
  // ruleid: js/ssrf
  const { data } = await axios.get(req.query.url);
  res.json({ length: data.length });
});

app.get('/proxy', async (req, res) => {
  res.json({ body: (await proxy(req.query.target)).length });
});

app.post('/webhook-test', async (req, res) => {
  const { callback } = req.body;
  // ruleid: js/ssrf
  await got.post(callback, { json: { ok: true } });
  res.end();
});

app.get('/image', (req, res) => {
  const host = req.query.host;
  // ruleid: js/ssrf
  http.get(`http://${host}/image.png`, (r) => r.pipe(res));
});

app.get('/config', async (req, res) => {
  // ruleid: js/ssrf
  const r = await axios({ method: 'get', url: req.query.endpoint });
  res.json(r.data);
});

// --- safe look-alikes

app.get('/safe/user', async (req, res) => {
  // ok: js/ssrf
  const r = await fetch(`https://api.github.com/users/${encodeURIComponent(req.query.login)}`);
  res.json(await r.json());
});

app.get('/safe/fixed-host', async (req, res) => {
  const id = req.params.id;
  // ok: js/ssrf
  const { data } = await axios.get('https://inventory.internal.example/items/' + id);
  res.json(data);
});

app.get('/safe/allowlist', async (req, res) => {
  const target = req.query.target;
  const allowed = new Set(['https://a.example/feed', 'https://b.example/feed']);
  if (!allowed.has(target)) return res.status(400).end();
  // ok: js/ssrf
  res.json(await (await fetch(target)).json());
});

// the service's own configuration
// ok: js/ssrf
fetch(process.env.UPSTREAM_URL).then((r) => r.json());

const ALLOWED_HOSTS = ['api.partner.example', 'cdn.partner.example'];

app.get('/safe/host-allowlist', async (req, res) => {
  const url = req.query.url;
  if (!ALLOWED_HOSTS.includes(new URL(url).hostname)) return res.status(400).end();
  // ok: js/ssrf
  res.json(await (await fetch(url)).json());
});

app.get('/safe/host-equals', async (req, res) => {
  const target = new URL(req.query.url);
  if (target.hostname !== 'api.partner.example') {
    return res.status(400).end();
  }
  // ok: js/ssrf
  const r = await axios.get(target.toString());
  res.json(r.data);
});

app.get('/shape-only', async (req, res) => {
  const url = req.query.url;
  // checking that it parses is not checking where it goes
  if (!/^https:\/\//.test(url)) return res.status(400).end();
  // ruleid: js/ssrf
  res.json(await (await fetch(url)).json());
});
