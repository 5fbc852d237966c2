// Browser postMessage, response headers, CryptoJS and md5 packages, checkServerIdentity,
// Authorization headers.
const http = require('http');
const https = require('https');
const md5 = require('md5');
const CryptoJS = require('crypto-js');

window.addEventListener('message', (event) => {
  // ruleid: js/xss
  document.getElementById('out').innerHTML = event.data.html;
});

window.addEventListener('click', (event) => {
  // ok: js/xss
  document.getElementById('out').innerHTML = '<b>clicked</b>';
});

http.createServer((req, res) => {
  const u = new URL(req.url, 'http://localhost');
  // ruleid: js/open-redirect
  res.writeHead(302, { Location: u.searchParams.get('next') });
  res.end();
}).listen(8080);

http.createServer((req, res) => {
  // ok: js/open-redirect
  res.writeHead(302, { Location: '/login' });
  res.end();
}).listen(8081);

// ruleid: js/weak-hash
const digest = md5('user@example.org');

// ruleid: js/weak-cipher
const enc = CryptoJS.DES.encrypt('message', process.env.KEY);

// ok: js/weak-cipher
const aes = CryptoJS.AES.encrypt('message', process.env.KEY);

const agent = new https.Agent({
  // ruleid: js/tls-verification-disabled
  checkServerIdentity: () => undefined,
});

const api = {
  headers: {
    // ruleid: js/hardcoded-credentials
    Authorization: 'Bearer 8f2c1e9a7b3d4c5e6f70',
    // ok: js/hardcoded-credentials
    'X-Api-Key': process.env.API_KEY,
  },
};

// ok: js/hardcoded-credentials
const apiKeyVar = { apiKey: 'OPENAI_API_KEY' };

module.exports = { digest, enc, aes, agent, api, apiKeyVar };
