/**
 * cargo-auditable dependency data: the `.dep-v0` section (ELF/PE; Mach-O `__DATA,.dep-v0`),
 * zlib-compressed JSON `{packages: [{name, version, source, kind?, dependencies?, root?}]}`
 * (https://github.com/rust-secure-code/cargo-auditable, auditable-serde). Pure: bytes in, packages out.
 */
import { inflateSync } from 'node:zlib';
import { z } from 'zod';
import { AUDIT_SECTION } from './section.ts';
import { parseExe, sectionData } from '../../go/binary/exe.ts';

/** Decompressed JSON above this is refused (the real data is a few KiB; this stops zlib bombs). */
export const MAX_AUDIT_JSON = 8 * 1024 * 1024;

export { AUDIT_SECTION } from './section.ts';

const AuditPackage = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  source: z.string(),
  kind: z.enum(['build', 'runtime']).optional(),
  dependencies: z.array(z.number().int()).optional(),
  root: z.boolean().optional(),
});
const AuditData = z.object({ packages: z.array(z.unknown()) });

export type AuditPackage = z.infer<typeof AuditPackage>;

export type AuditResult = { packages: AuditPackage[]; problems: string[] } | { problem: string } | undefined;

/** undefined: no `.dep-v0` section (not an auditable binary); `{problem}`: the section is unreadable. */
export function parseAuditable(buf: Buffer): AuditResult {
  const exe = parseExe(buf);
  if (!exe) return undefined;
  const raw = sectionData(buf, exe, [AUDIT_SECTION]);
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(inflateSync(raw, { maxOutputLength: MAX_AUDIT_JSON }).toString('utf8'));
  } catch (e) {
    return { problem: `.dep-v0 is not zlib-compressed JSON within ${MAX_AUDIT_JSON} bytes: ${(e as Error).message}` };
  }
  const top = AuditData.safeParse(json);
  if (!top.success) return { problem: '.dep-v0 JSON has no "packages" array' };
  const packages: AuditPackage[] = [];
  const problems: string[] = [];
  top.data.packages.forEach((p, i) => {
    const r = AuditPackage.safeParse(p);
    if (r.success) packages.push(r.data);
    else problems.push(`packages[${i}]: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
  });
  return { packages, problems };
}
