// Koa: ctx.query, ctx.params, ctx.request.body, ctx.redirect, ctx.body.
const Koa = require('koa');
const Router = require('@koa/router');
const { exec } = require('child_process');
const fs = require('fs');

const app = new Koa();
const router = new Router();

router.get('/ping', async (ctx) => {
  // ruleid: js/command-injection
  exec('ping -c 1 ' + ctx.query.host);
  ctx.body = 'ok';
});

router.post('/save', async (ctx) => {
  const { name } = ctx.request.body;
  // ruleid: js/path-traversal
  fs.writeFileSync('/data/' + name, 'x');
  ctx.status = 204;
});

router.get('/out', async (ctx) => {
  // ruleid: js/open-redirect
  ctx.redirect(ctx.query.next);
});

router.get('/greet', async (ctx) => {
  // ruleid: js/xss
  ctx.body = `<h1>Hello ${ctx.params.name}</h1>`;
});

// --- safe look-alikes

router.get('/safe/greet', async (ctx) => {
  // ok: js/xss
  ctx.body = { hello: ctx.params.name };
});

router.get('/safe/ping', async (ctx) => {
  // ok: js/command-injection
  require('child_process').execFile('ping', ['-c', '1', ctx.query.host]);
  ctx.body = 'ok';
});

app.use(router.routes());
