// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// TypeScript side of deserialization, log injection, credentials; a typed service class.
import { Router, type Request, type Response } from 'express';
import * as serialize from 'node-serialize';
import * as yaml from 'js-yaml';
import pino from 'pino';
import winston from 'winston';
import { DataSource } from 'typeorm';

const log = pino();
const audit = winston.createLogger({ format: winston.format.simple(), transports: [new winston.transports.File({ filename: 'audit.log' })] });
const dataSource = new DataSource({ type: 'postgres' });

// ruleid: js/hardcoded-credentials
const DB_PASSWORD: string = 'pr0d-db-Passw0rd';

export const settings = {
  database: {
    // ruleid: js/hardcoded-credentials
    secret: 'f3a9c1d7e5b2a8c4',
    // ok: js/hardcoded-credentials
    password: process.env.DB_PASSWORD ?? '',
    // ok: js/hardcoded-credentials
    passwordMinLength: '12',
  },
};

export class UserService {
  // ok: js/hardcoded-credentials
  private readonly tokenHeader = 'x-api-token';

  async find(name: string) {
    // ruleid: js/sql-injection
    return dataSource.query(`SELECT * FROM users WHERE name = '${name}'`);
  }

  async findSafe(name: string) {
    // ok: js/sql-injection
    return dataSource.query('SELECT * FROM users WHERE name = $1', [name]);
  }
}

const users = new UserService();
export const router = Router();

router.get('/users', async (req: Request, res: Response) => {
  const name = req.query.name as string;
  // pino writes JSON lines: the newline is escaped
  // ok: js/log-injection
  log.info(`lookup of ${name}`);
  // ruleid: js/log-injection
  audit.info(`user lookup: ${name}`);
  res.json(await users.find(name));
});

router.post('/import', (req: Request, res: Response) => {
  const raw: string = req.body.payload;
  // ruleid: js/unsafe-deserialization
  const obj = serialize.unserialize(raw);
  // ok: js/unsafe-deserialization
  const cfg = yaml.load(raw, { schema: yaml.CORE_SCHEMA });
  // ok: js/log-injection
  log.info({ payloadLength: raw.length }, 'imported');
  res.json({ obj, cfg });
});
