// ES module: helpers declared after the routes, handlers passed by name, object-literal helpers,
// a dynamic import of child_process.
import express from 'express';
import { readFile } from 'node:fs/promises';

const app = express();

app.get('/archive', (req, res) => {
  pack(req.query.dir);
  res.end();
});

app.get('/report', renderReport);

app.get('/file', async (req, res) => {
  res.send(await files.load(req.query.name));
});

app.get('/run', async (req, res) => {
  const { execSync } = await import('node:child_process');
  // ruleid: js/command-injection
  execSync(`run-job ${req.query.job}`);
  res.end();
});

const pack = async (dir) => {
  const { exec } = await import('child_process');
  // ruleid: js/command-injection
  exec('tar czf out.tgz ' + dir);
};

function renderReport(r, s) {
  // ruleid: js/xss
  s.send(`<h1>${r.query.title}</h1>`);
}

const files = {
  async load(name) {
    // ruleid: js/path-traversal
    return readFile('/srv/reports/' + name, 'utf8');
  },
  clean: (name) => name.replace(/[^a-zA-Z0-9_-]/g, ''),
};

app.get('/safe/file', async (req, res) => {
  const n = files.clean(req.query.name);
  // ok: js/path-traversal
  res.json({ size: (await readFile('/srv/reports/' + n, 'utf8')).length });
});
