// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// SQL injection (CWE-89): pg, mysql2, sequelize, knex, Prisma, postgres.js; and parameterized forms.
import express, { Request, Response } from 'express';
import { Pool } from 'pg';
import knex from 'knex';
import postgres from 'postgres';
import { Sequelize } from 'sequelize';
import { PrismaClient } from '@prisma/client';

const pool = new Pool();
const db = knex({ client: 'pg' });
const sql = postgres();
const sequelize = new Sequelize('sqlite::memory:');
const prisma = new PrismaClient();
const router = express.Router();

function byName(name: string) {
  // ruleid: js/sql-injection
  return pool.query(`SELECT * FROM users WHERE name = '${name}'`);
}

router.get('/users/:id', async (req: Request, res: Response) => {
  // ruleid: js/sql-injection
  const r = await pool.query('SELECT * FROM users WHERE id = ' + req.params.id);
  res.json(r.rows);
});

router.get('/search', async (req: Request, res: Response) => {
  const { q, order } = req.query as Record<string, string>;
  const text = `SELECT * FROM items WHERE title LIKE '%${q}%' ORDER BY ${order}`;
  // ruleid: js/sql-injection
  const r = await pool.query({ text, values: [] });
  res.json(r.rows);
});

router.get('/by-name', async (req: Request, res: Response) => {
  res.json(await byName(String(req.query.name)));
});

router.post('/sequelize', async (req: Request, res: Response) => {
  const email = req.body.email;
  // ruleid: js/sql-injection
  const rows = await sequelize.query("SELECT * FROM accounts WHERE email = '" + email + "'");
  res.json(rows);
});

router.get('/knex', async (req: Request, res: Response) => {
  // ruleid: js/sql-injection
  const rows = await db.raw(`SELECT * FROM logs WHERE level = '${req.query.level}'`);
  res.json(rows);
});

router.get('/knex-where', async (req: Request, res: Response) => {
  // ruleid: js/sql-injection
  const rows = await db('logs').whereRaw('level = ' + req.query.level);
  res.json(rows);
});

router.get('/prisma', async (req: Request, res: Response) => {
  // ruleid: js/sql-injection
  const rows = await prisma.$queryRawUnsafe(`SELECT * FROM "User" WHERE email = '${req.query.email}'`);
  res.json(rows);
});

// --- safe look-alikes

router.get('/safe/users/:id', async (req: Request, res: Response) => {
  // ok: js/sql-injection
  const r = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);
  res.json(r.rows);
});

router.get('/safe/config', async (req: Request, res: Response) => {
  // ok: js/sql-injection
  const r = await pool.query({ text: 'SELECT * FROM items WHERE id = $1', values: [req.query.id] });
  res.json(r.rows);
});

router.get('/safe/postgres-js', async (req: Request, res: Response) => {
  // ok: js/sql-injection
  const rows = await sql`SELECT * FROM users WHERE name = ${req.query.name}`;
  res.json(rows);
});

router.get('/safe/prisma-tagged', async (req: Request, res: Response) => {
  // ok: js/sql-injection
  const rows = await prisma.$queryRaw`SELECT * FROM "User" WHERE email = ${req.query.email}`;
  res.json(rows);
});

router.get('/safe/number', async (req: Request, res: Response) => {
  const limit = Number(req.query.limit);
  // ok: js/sql-injection
  const r = await pool.query('SELECT * FROM items LIMIT ' + limit);
  res.json(r.rows);
});

router.get('/safe/knex-builder', async (req: Request, res: Response) => {
  // ok: js/sql-injection
  const rows = await db('logs').where('level', req.query.level);
  res.json(rows);
});

router.get('/safe/replacements', async (req: Request, res: Response) => {
  // ok: js/sql-injection
  const rows = await sequelize.query('SELECT * FROM accounts WHERE email = ?', { replacements: [req.query.email] });
  res.json(rows);
});

export default router;
