// More shapes: chained responses, containers, callbacks, class methods, middleware, and the JS side
// of rules whose main corpus file is TypeScript.
const express = require('express');
const crypto = require('crypto');
const https = require('https');
const tls = require('tls');
const mysql = require('mysql');
const axios = require('axios');
const { exec, execFile } = require('child_process');
const { isSafeName } = require('./validate');

const connection = mysql.createConnection({ host: 'localhost' });
const app = express();

app.get('/chained', (req, res) => {
  // ruleid: js/xss
  res.status(200).send(`<div>${req.query.msg}</div>`);
});

app.get('/args', (req, res) => {
  const args = ['--depth', '1'];
  args.push(req.query.repo);
  // ruleid: js/command-injection
  exec('git clone ' + args.join(' '));
  res.end();
});

app.get('/options', async (req, res) => {
  const opts = { method: 'GET' };
  opts.url = req.query.feed;
  // ruleid: js/ssrf
  const r = await axios(opts);
  res.json(r.data);
});

app.get('/promise', (req, res) => {
  Promise.resolve(req.query.cmd).then((c) => {
    // ruleid: js/command-injection
    exec(c);
  });
  res.end();
});

app.get('/loop', (req, res) => {
  for (const id of req.query.ids.split(',')) {
    // ruleid: js/sql-injection
    connection.query('DELETE FROM carts WHERE id = ' + id);
  }
  res.end();
});

class Reports {
  constructor(db) {
    this.db = db;
  }
  run(where) {
    // ruleid: js/sql-injection
    return this.db.query(`SELECT * FROM reports WHERE ${where}`);
  }
  handle(req, res) {
    return this.run(req.query.filter).then((rows) => res.json(rows));
  }
}

// ruleid: js/weak-hash
const etag = (body) => crypto.createHash('sha1').update(body).digest('base64');

// ruleid: js/weak-cipher
const rc4 = crypto.createCipheriv('rc4', Buffer.alloc(16), '');

// ruleid: js/tls-verification-disabled
const socket = tls.connect(443, 'example.com', { rejectUnauthorized: false });

// ruleid: js/tls-verification-disabled
const legacyRequest = { url: 'https://example.com', strictSSL: false };

// --- safe look-alikes

app.get('/safe/rows', (req, res) => {
  connection.query('SELECT * FROM items WHERE owner = ?', [req.query.owner], (err, rows) => {
    // ok: js/xss
    res.send(rows);
  });
});

app.get('/safe/text', (req, res) => {
  // ok: js/xss
  res.type('text/plain').send(`you asked for ${req.query.q}`);
});

app.get('/safe/echo', (req, res) => {
  // ok: js/xss
  res.send(req.body);
});

app.get('/safe/validated', (req, res) => {
  const name = req.query.name;
  if (!isSafeName(name)) return res.sendStatus(400);
  // ok: js/command-injection
  exec('id ' + name);
  res.end();
});

app.use((req, res, next) => {
  // request logging: the URL cannot hold a raw line break
  // ok: js/log-injection
  console.log(`${req.method} ${req.originalUrl}`);
  next();
});

app.use((req, res, next) => {
  if (req.secure) return next();
  // the Host header only redirects the requester itself
  // ok: js/open-redirect
  res.redirect('https://' + req.headers.host + req.url);
});

app.get('/safe/rows-to-shell', (req, res) => {
  connection.query('SELECT name FROM tools WHERE id = ?', [req.query.id], (err, rows) => {
    // ok: js/command-injection
    execFile('tool', [rows[0].name]);
  });
  res.end();
});

app.get('/safe/escaped-by-hand', (req, res) => {
  const name = String(req.query.name).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // ok: js/xss
  res.send('Hello ' + name);
});

app.get('/safe/ids', (req, res) => {
  const ids = req.query.ids.split(',').map(Number);
  // ok: js/sql-injection
  connection.query(`SELECT * FROM t WHERE id IN (${ids.join(',')})`);
  res.end();
});

app.get('/safe/lookup', (req, res) => {
  const commands = { list: 'ls', date: 'date' };
  const cmd = commands[req.query.c];
  if (!cmd) return res.sendStatus(400);
  // ok: js/command-injection
  exec(cmd);
  res.end();
});

// ok: js/weak-hash
const strong = crypto.createHash('sha512');

// ok: js/weak-cipher
const gcm = crypto.createCipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12));

// ok: js/tls-verification-disabled
const pinned = https.request({ host: 'example.com', ca: process.env.CA_PEM });

module.exports = { app, Reports, etag, rc4, socket, legacyRequest, strong, gcm, pinned };

function readTarget(r) {
  return r.query.target;
}

app.get('/through-helper', (req, res) => {
  const t = readTarget(req);
  // ruleid: js/command-injection
  exec('traceroute ' + t);
  Object.entries(req.query).forEach(([key, value]) => {
    // ruleid: js/command-injection
    exec(`echo ${key}=${value}`);
  });
  res.end();
});
