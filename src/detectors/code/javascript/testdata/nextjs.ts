// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Next.js API routes (pages router) and route handlers (app router).
import type { NextApiRequest, NextApiResponse } from 'next';
import { NextRequest, NextResponse } from 'next/server';
import { exec } from 'child_process';
import db from '../lib/db';

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  // ruleid: js/sql-injection
  const rows = await db.query(`SELECT * FROM posts WHERE slug = '${req.query.slug}'`);
  res.status(200).json(rows);
}

export async function GET(request: NextRequest) {
  const file = request.nextUrl.searchParams.get('file');
  // ruleid: js/command-injection
  exec(`cat ${file}`);
  return NextResponse.json({ ok: true });
}

export async function POST(request: Request) {
  const { url } = await request.json();
  // ruleid: js/ssrf
  const r = await fetch(url);
  return new Response(await r.text());
}
