// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Open redirect (CWE-601) on the server.
import express from 'express';
const app = express();

app.get('/login/callback', (req, res) => {
  // ruleid: js/open-redirect
  res.redirect(req.query.returnTo as string);
});

app.get('/go', (req, res) => {
  const { url } = req.query;
  // ruleid: js/open-redirect
  res.redirect(302, url);
});

// --- safe look-alikes

app.get('/safe/profile', (req, res) => {
  // ok: js/open-redirect
  res.redirect('/users/' + req.query.id);
});

app.get('/safe/local', (req, res) => {
  const to = String(req.query.to);
  if (to.startsWith('/') && !to.startsWith('//')) {
    // ok: js/open-redirect
    return res.redirect(to);
  }
  res.redirect('/');
});
