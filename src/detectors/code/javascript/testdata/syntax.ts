// @ts-nocheck — corpus file for the SAST analyzer, not part of the build
// Newer syntax: private fields, static fields, class-field arrows, optional calls, satisfies,
// import() with a default binding, labels.
import { exec } from 'child_process';
import type { Request, Response } from 'express';
enum Mode { A = 'a' }
@Injectable()
export class Svc {
  // ruleid: js/hardcoded-credentials
  #secret = 'p@ssw0rd-Prod-42';
  // ruleid: js/hardcoded-credentials
  static token = 'tok_live_abcdef123456';
  run = (req: Request, res: Response) => {
    // ruleid: js/command-injection
    exec?.(`ls ${(req.query as any)?.dir}`);
    const o = { cmd: req.body!.cmd } satisfies Record<string, unknown>;
    // ruleid: js/command-injection
    exec(o.cmd);
    // ruleid: js/xss
    res.send(`${req.query?.["name"]}`);
  };
}
export default async function handler(req: Request, res: Response): Promise<void> {
  const { default: cp } = await import('node:child_process');
  // ruleid: js/command-injection
  cp.execSync(req.query.x as string);
  label: for (const x of [1]) { break label; }
}
