// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// AWS Lambda handlers: the event is attacker-controlled (API Gateway, SQS, S3 keys…).
import { execSync } from 'child_process';
import mysql from 'mysql2/promise';
import { readFileSync } from 'fs';
import type { APIGatewayProxyEvent } from 'aws-lambda';

const conn = await mysql.createConnection({ host: process.env.DB_HOST });

function lookup(id: string) {
  // ruleid: js/sql-injection
  return conn.execute(`SELECT * FROM orders WHERE id = ${id}`);
}

export const handler = async (event: APIGatewayProxyEvent, context) => {
  const { orderId } = event.queryStringParameters ?? {};
  const [rows] = await lookup(orderId);
  const body = JSON.parse(event.body ?? '{}');
  // ruleid: js/command-injection
  execSync('zip -r /tmp/out.zip ' + body.folder);
  // ruleid: js/path-traversal
  const tpl = readFileSync('/opt/templates/' + event.pathParameters.name, 'utf8');
  return { statusCode: 200, body: JSON.stringify({ rows, tpl: tpl.length }) };
};

export async function safeHandler(event: APIGatewayProxyEvent) {
  // ok: js/sql-injection
  const [rows] = await conn.execute('SELECT * FROM orders WHERE id = ?', [event.pathParameters.id]);
  // ok: js/command-injection
  execSync('zip -r /tmp/out.zip /tmp/data');
  return { statusCode: 200, body: JSON.stringify(rows) };
}
