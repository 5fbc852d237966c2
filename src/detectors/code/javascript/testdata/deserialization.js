// Unsafe deserialization (CWE-502): node-serialize, js-yaml with function types.
const serialize = require('node-serialize');
const yaml = require('js-yaml');
const express = require('express');
const fs = require('fs');
const app = express();

app.post('/profile', (req, res) => {
  const cookie = Buffer.from(req.cookies.profile, 'base64').toString();
  // ruleid: js/unsafe-deserialization
  const profile = serialize.unserialize(cookie);
  res.json(profile);
});

app.post('/yaml-full', (req, res) => {
  // ruleid: js/unsafe-deserialization
  const doc = yaml.load(req.body.doc, { schema: yaml.DEFAULT_FULL_SCHEMA });
  res.json(doc);
});

// a job file read from disk still runs its !!js/function on load
// ruleid: js/unsafe-deserialization
const job = serialize.unserialize(fs.readFileSync('job.dat', 'utf8'));

// --- safe look-alikes

app.post('/yaml', (req, res) => {
  // js-yaml 4: load uses the safe default schema
  // ok: js/unsafe-deserialization
  res.json(yaml.load(req.body.doc));
});

app.post('/yaml-json', (req, res) => {
  // ok: js/unsafe-deserialization
  res.json(yaml.load(req.body.doc, { schema: yaml.JSON_SCHEMA }));
});

app.post('/json', (req, res) => {
  // ok: js/unsafe-deserialization
  res.json(JSON.parse(req.body.doc));
});

// ok: js/unsafe-deserialization
const defaults = serialize.unserialize('{"a":1}');
