// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Fastify handlers: request.query/params/body.
import Fastify from 'fastify';
import { exec } from 'node:child_process';
import { request as undiciRequest } from 'undici';

const fastify = Fastify();

fastify.get('/run', async (request, reply) => {
  const { task } = request.query as { task: string };
  // ruleid: js/command-injection
  exec(`make ${task}`);
  return { started: true };
});

fastify.post('/fetch', async (request, reply) => {
  const body = request.body as { url: string };
  // ruleid: js/ssrf
  const r = await undiciRequest(body.url);
  return r.body.text();
});

fastify.route({
  method: 'GET',
  url: '/eval',
  handler: async (request, reply) => {
    // ruleid: js/code-injection
    return eval(request.query.expr);
  },
});

// ok: js/command-injection
fastify.get('/safe', async () => exec('make all'));

fastify.get('/hello', async (request, reply) => {
  // Fastify sends a string as text/plain
  // ok: js/xss
  return reply.send(`Hello ${request.query.name}`);
});

fastify.get('/page', async (request, reply) => {
  // ruleid: js/xss
  return reply.type('text/html').send(`<h1>Hello ${request.query.name}</h1>`);
});
