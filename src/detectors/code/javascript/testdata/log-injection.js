// Log injection (CWE-117): user text in log lines.
const express = require('express');
const logger = require('./logger');
const app = express();

app.post('/login', (req, res) => {
  const user = req.body.username;
  // ruleid: js/log-injection
  console.log('login attempt for ' + user);
  // ruleid: js/log-injection
  logger.info(`failed login: ${req.body.username}`);
  res.status(401).end();
});

// --- safe look-alikes

app.post('/safe/login', (req, res) => {
  const user = String(req.body.username).replace(/[\r\n]/g, '');
  // ok: js/log-injection
  console.log('login attempt for ' + user);
  // structured: the logger escapes the field
  // ok: js/log-injection
  logger.info({ user: req.body.username }, 'failed login');
  // ok: js/log-injection
  console.log(`login attempt for ${JSON.stringify(req.body.username)}`);
  res.status(401).end();
});

// ok: js/log-injection
console.log('starting with ' + process.env.NODE_ENV);
