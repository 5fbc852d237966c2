// Code injection (CWE-95) and eval-based deserialization.
const vm = require('vm');
const express = require('express');
const app = express();

function calc(expr) {
  // ruleid: js/code-injection
  return eval(expr);
}

app.get('/calc', (req, res) => {
  res.json({ result: calc(req.query.expr) });
});

app.post('/fn', (req, res) => {
  const { body } = req;
  // ruleid: js/code-injection
  const f = new Function('x', body.code);
  res.json({ r: f(1) });
});

app.post('/vm', (req, res) => {
  const script = req.body.script;
  // ruleid: js/code-injection
  const out = vm.runInNewContext(script, { Math });
  res.json({ out });
});

app.get('/timer', (req, res) => {
  // ruleid: js/code-injection
  setTimeout('console.log(' + req.query.msg + ')', 100);
  res.end();
});

app.post('/state', (req, res) => {
  // the serialize-javascript round trip: eval('(' + s + ')')
  // ruleid: js/unsafe-deserialization
  const state = eval('(' + req.body.state + ')');
  res.json(state);
});

// --- safe look-alikes

app.get('/safe/json', (req, res) => {
  // ok: js/code-injection
  res.json(JSON.parse(req.query.data));
});

app.get('/safe/timer', (req, res) => {
  const msg = req.query.msg;
  // ok: js/code-injection
  setTimeout(() => console.log(JSON.stringify(msg)), 100);
  res.end();
});

// ok: js/code-injection
const two = eval('1 + 1');

app.get('/safe/ops', (req, res) => {
  const ops = { add: (a, b) => a + b, sub: (a, b) => a - b };
  const op = req.query.op;
  if (op === 'add' || op === 'sub') {
    // ok: js/code-injection
    res.json({ r: eval('ops.' + op + '(1, 2)') });
  }
});

app.get('/iife', (req, res) => {
  // ruleid: js/code-injection
  const value = Function('"use strict"; return (' + req.query.expr + ')')();
  (function () {
    // ruleid: js/code-injection
    eval(req.query.more);
  })();
  res.json({ value });
});
