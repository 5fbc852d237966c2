// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Results of database calls are not request data; Content-Type set earlier in the handler; a
// conditional allow-list; existence probes.
import { Request, Response } from 'express';
import fs from 'fs';
import { ProductModel } from '../models/product';
import { sessions } from '../lib/security';

export const getProduct = () => (req: Request, res: Response) => {
  ProductModel.findAll({ where: { id: JSON.parse(req.params.id) } }).then((rows) => {
    // ok: js/xss
    return res.send(rows.map((r) => r.name).join(','));
  });
};

export const stream = () => (req: Request, res: Response) => {
  res.setHeader('Content-Type', 'text/event-stream');
  for (const m of req.body.messages) {
    // ok: js/xss
    res.write(`data: ${JSON.stringify({ echo: m })}\n\n`);
  }
  res.end();
};

export const avatar = () => (req: Request, res: Response) => {
  const user = sessions.get(req.cookies.token);
  const url: string = req.body.imageUrl;
  const ext = ['jpg', 'png', 'gif'].includes(url.split('.').pop().toLowerCase()) ? url.split('.').pop().toLowerCase() : 'jpg';
  // ok: js/path-traversal
  fs.writeFileSync(`uploads/${user.id}.${ext}`, '');
  res.end();
};

export const probe = () => (req: Request, res: Response) => {
  const key = req.body.key;
  // ruleid: js/path-traversal
  if (fs.existsSync('./data/' + key + '.yml')) {
    res.send('yes');
  }
};
