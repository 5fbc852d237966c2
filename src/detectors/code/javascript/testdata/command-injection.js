// Command injection (CWE-78) in an Express app, and the safe forms beside it.
const express = require('express');
const cp = require('child_process');
const { exec, execSync, spawn, execFile } = require('node:child_process');
const util = require('util');
const execAsync = util.promisify(cp.exec);

const app = express();

function runTool(name) {
  // ruleid: js/command-injection
  return execSync('tool --name ' + name).toString();
}

function buildCommand(host) {
  return `ping -c 1 ${host}`;
}

app.get('/direct', (req, res) => {
  // ruleid: js/command-injection
  exec('ls ' + req.query.dir, (err, out) => res.send(String(out).length));
});

app.get('/variable', (req, res) => {
  const file = req.query.file;
  const cmd = 'cat ' + file;
  // ruleid: js/command-injection
  cp.exec(cmd);
  res.end();
});

app.post('/template', (req, res) => {
  const { branch } = req.body;
  // ruleid: js/command-injection
  execSync(`git checkout ${branch}`);
  res.end();
});

app.get('/helper', (req, res) => {
  res.json({ out: runTool(req.params.name) });
});

app.get('/returned', async (req, res) => {
  const c = buildCommand(req.query.host);
  // ruleid: js/command-injection
  await execAsync(c);
  res.end();
});

app.get('/shell-true', (req, res) => {
  // ruleid: js/command-injection
  spawn('convert', [req.query.src, 'out.png'], { shell: true });
  res.end();
});

app.get('/sh-c', (req, res) => {
  // ruleid: js/command-injection
  spawn('/bin/sh', ['-c', 'grep ' + req.query.q + ' /var/log/app.log']);
  res.end();
});

app.get('/header', (req, res) => {
  const agent = req.get('user-agent');
  // ruleid: js/command-injection
  exec(`echo ${agent} >> agents.txt`);
  res.end();
});

// --- safe look-alikes

app.get('/safe-array', (req, res) => {
  // ok: js/command-injection
  execFile('ls', ['-l', req.query.dir], (err, out) => res.send(String(out).length));
});

app.get('/safe-spawn', (req, res) => {
  // ok: js/command-injection
  spawn('git', ['log', '--author', req.query.author]);
  res.end();
});

app.get('/safe-constant', (req, res) => {
  // ok: js/command-injection
  exec('uptime', (e, out) => res.json({ up: String(out).length }));
});

app.get('/safe-number', (req, res) => {
  const n = parseInt(req.query.n, 10);
  // ok: js/command-injection
  exec('sleep ' + n);
  res.end();
});

app.get('/safe-allowlist', (req, res) => {
  const tool = req.query.tool;
  if (!['date', 'uptime', 'whoami'].includes(tool)) return res.status(400).end();
  // ok: js/command-injection
  exec(tool);
  res.end();
});

app.get('/safe-regex', (req, res) => {
  const id = req.query.id;
  if (!/^[a-z0-9]+$/.test(id)) {
    return res.status(400).end();
  }
  // ok: js/command-injection
  exec('show ' + id);
  res.end();
});

// the CLI's own arguments are a (local) source
// ruleid: js/command-injection
exec('tar xf ' + process.argv[2]);

app.get('/loose-regex', (req, res) => {
  const target = req.query.target;
  if (!/^[^;]+$/.test(target)) return res.status(400).end();
  // a negated class still lets `$(…)` and `|` through
  // ruleid: js/command-injection
  exec('nslookup ' + target);
  res.end();
});
