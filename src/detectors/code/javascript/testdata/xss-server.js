// Reflected XSS (CWE-79) in server responses.
const express = require('express');
const escapeHtml = require('escape-html');
const app = express();

function page(title) {
  return `<html><h1>${title}</h1></html>`;
}

app.get('/hello', (req, res) => {
  // ruleid: js/xss
  res.send('<p>Hello ' + req.query.name + '</p>');
});

app.get('/search', (req, res) => {
  const { q } = req.query;
  res.write('<ul>');
  // ruleid: js/xss
  res.write(`<li>Results for ${q}</li>`);
  res.end('</ul>');
});

app.get('/title', (req, res) => {
  const html = page(req.params.title);
  // ruleid: js/xss
  res.send(html);
});

// --- safe look-alikes

app.get('/safe/escaped', (req, res) => {
  // ok: js/xss
  res.send('<p>Hello ' + escapeHtml(req.query.name) + '</p>');
});

app.get('/safe/json', (req, res) => {
  // ok: js/xss
  res.json({ hello: req.query.name });
});

app.get('/safe/count', (req, res) => {
  // ok: js/xss
  res.send(`<p>${req.query.items.length} items</p>`);
});
