// Hardcoded credentials (CWE-798) and the placeholders and env reads that are not.
const jwt = require('jsonwebtoken');
const { Client } = require('pg');

const client = new Client({
  host: 'db.internal',
  user: 'app',
  // ruleid: js/hardcoded-credentials
  password: 'S3cr3t-Pa55!',
});

// ruleid: js/hardcoded-credentials
const apiKey = 'k9f8a7s6d5f4g3h2j1';

const config = {
  // ruleid: js/hardcoded-credentials
  clientSecret: 'a1b2c3d4e5f6a7b8c9d0',
};

function token(user) {
  // ruleid: js/hardcoded-credentials
  return jwt.sign({ sub: user.id }, 'my-jwt-signing-key-2024');
}

class Mailer {
  // ruleid: js/hardcoded-credentials
  smtpPassword = 'mailpass2023';
}

// --- safe look-alikes

const fromEnv = {
  // ok: js/hardcoded-credentials
  password: process.env.DB_PASSWORD,
  // ok: js/hardcoded-credentials
  apiKey: process.env.API_KEY || '',
};

// ok: js/hardcoded-credentials
const placeholder = { password: 'changeme' };
// ok: js/hardcoded-credentials
const template = { token: '<your-token-here>' };
// ok: js/hardcoded-credentials
const passwordField = 'password';
// ok: js/hardcoded-credentials
const labels = { password: 'Enter your password' };
// ok: js/hardcoded-credentials
const envName = { apiKey: 'STRIPE_API_KEY' };
// ok: js/hardcoded-credentials
const signed = jwt.sign({ sub: 1 }, process.env.JWT_SECRET);

module.exports = { client, apiKey, config, token, Mailer, fromEnv, placeholder, template, passwordField, labels, envName, signed };

function isAdmin(user, password) {
  // ruleid: js/hardcoded-credentials
  return user === 'admin' && password === 'Adm1n!2024';
}

// ruleid: js/hardcoded-credentials
function connect(host, password = 'db-pass-9913') {
  return new Client({ host, password });
}

function checkEmpty(password) {
  // ok: js/hardcoded-credentials
  return password === '';
}

// weak but real: a default password is still a credential
// ruleid: js/hardcoded-credentials
const DB_PASSWORD = 'password123';
// ruleid: js/hardcoded-credentials
const sessionSecret = 'keyboard-cat-secret';
// ok: js/hardcoded-credentials
const smtpPass = 'your_smtp_password';
// ok: js/hardcoded-credentials
const stagingToken = 'test-token';
