// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Path traversal (CWE-22) and its sanitized forms.
import express from 'express';
import fs from 'node:fs';
import { readFile } from 'fs/promises';
import path from 'path';

const app = express();
const ROOT = '/srv/files';

function open(name: string) {
  // ruleid: js/path-traversal
  return fs.createReadStream(path.join(ROOT, name));
}

app.get('/read', (req, res) => {
  // ruleid: js/path-traversal
  const data = fs.readFileSync(ROOT + '/' + req.query.file, 'utf8');
  res.type('text/plain').send(data.length.toString());
});

app.get('/download/:name', (req, res) => {
  const { name } = req.params;
  const p = path.join(ROOT, name);
  // ruleid: js/path-traversal
  res.sendFile(p);
});

app.get('/stream', (req, res) => {
  open(req.query.f as string).pipe(res);
});

app.get('/async', async (req, res) => {
  // ruleid: js/path-traversal
  const text = await readFile(`${ROOT}/${req.query.doc}`);
  res.json({ size: text.length });
});

app.post('/upload', (req, res) => {
  // ruleid: js/path-traversal
  fs.writeFileSync(path.resolve('uploads', req.body.filename), req.body.content);
  res.end();
});

// --- safe look-alikes

app.get('/safe/basename', (req, res) => {
  const name = path.basename(req.query.file as string);
  // ok: js/path-traversal
  res.sendFile(path.join(ROOT, name));
});

app.get('/safe/checked', (req, res) => {
  const full = path.resolve(ROOT, req.query.file as string);
  if (!full.startsWith(ROOT + path.sep)) {
    return res.status(403).end();
  }
  // ok: js/path-traversal
  fs.createReadStream(full).pipe(res);
});

app.get('/safe/root-option', (req, res) => {
  // ok: js/path-traversal
  res.sendFile(req.params.name, { root: ROOT });
});

app.get('/safe/constant', (req, res) => {
  // ok: js/path-traversal
  res.send(fs.readFileSync(path.join(ROOT, 'index.html'), 'utf8').length.toString());
});

app.get('/safe/dotdot', (req, res) => {
  const rel = req.query.rel as string;
  if (rel.includes('..')) return res.status(400).end();
  // ok: js/path-traversal
  fs.readFile(path.join(ROOT, rel), () => res.end());
});

// a path from the environment is the operator's choice, not an attacker's
// ok: js/path-traversal
const config = fs.readFileSync(process.env.CONFIG_PATH || '/etc/app.json', 'utf8');

app.get('/safe/relative', (req, res) => {
  const p = path.resolve(ROOT, String(req.query.file));
  const rel = path.relative(ROOT, p);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    return res.status(403).end();
  }
  // ok: js/path-traversal
  res.sendFile(p);
});

app.get('/safe/normalized', (req, res) => {
  const clean = path.normalize(String(req.query.file)).replace(/^(\.\.(\/|\\|$))+/, '');
  // ok: js/path-traversal
  res.sendFile(path.join(ROOT, clean));
});

app.get('/bypassable', (req, res) => {
  // '....//' survives a single non-anchored pass
  const name = String(req.query.file).replace(/\.\.\//g, '');
  // ruleid: js/path-traversal
  res.sendFile(path.join(ROOT, name));
});

app.get('/safe/index-of', (req, res) => {
  const requested = path.resolve(ROOT, String(req.query.name));
  if (requested.indexOf(ROOT) !== 0) return res.status(403).send('no');
  // ok: js/path-traversal
  fs.createReadStream(requested).pipe(res);
});

app.delete('/files/:name', (req, res) => {
  // ruleid: js/path-traversal
  fs.unlinkSync(`${ROOT}/${req.params.name}`);
  res.sendStatus(204);
});
