/**
 * rust/auditable: crates compiled into a Rust binary built with cargo-auditable (`.dep-v0`
 * section). Local crates (the binary's own workspace) are skipped; build-time-only crates
 * (`kind: "build"`: build scripts, proc-macros) are reported with `dev: true`.
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { exeFormat, isCandidateBinary, mayHaveSection, readHead } from '../../go/binary/exe.ts';
import { cratePackage } from '../cargo-lock/index.ts';
// the parser (and zod, which checks the JSON) loads with the first .dep-v0 section, not with every scan
import { AUDIT_SECTION } from './section.ts';
import { entry, fileSink } from '../../entries.ts';

export type { AuditPackage } from './parse.ts';

const NAME = 'rust/auditable';

/** false when parseAuditable would certainly find no `.dep-v0` section (or no executable). */
async function mayBeAuditable(open: NonNullable<ScanFile['open']>): Promise<boolean> {
  const r = await open();
  try {
    const head = await readHead(r);
    return !!head && !!exeFormat(head) && (await mayHaveSection(r, head, [AUDIT_SECTION]));
  } finally {
    r.close();
  }
}

export const auditableExtractor: Extractor = {
  name: NAME,
  version: 1,
  // the same function for both: a walk asks it once for the two (file-names.ts FileIndex)
  fileRequired: isCandidateBinary,
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    // with positioned reads (a directory, a root filesystem), an executable without a .dep-v0
    // section is known from its header and section table: it is not read whole
    if (file.open && !(await mayBeAuditable(file.open))) return [];
    const buf = await file.read();
    if (!exeFormat(buf)) return [];
    const { parseAuditable } = await import('./parse.ts');
    const r = parseAuditable(buf);
    if (!r) return [];
    if ('problem' in r) {
      ctx.fileErrors.push({ path, rule: 'cargo-auditable', message: `${path}: ${r.problem}` });
      return [];
    }
    for (const p of r.problems) ctx.fileErrors.push({ path, rule: 'cargo-auditable', message: `${path}: ${p}` });
    return r.packages
      .filter((p) => p.source !== 'local')
      .flatMap((p) => {
        const pkg = entry(fileSink(ctx, path), `${path}: ${p.name}@${p.version}`, () => cratePackage(p.name, p.version, path, NAME));
        if (!pkg) return [];
        if (p.kind === 'build') pkg.dev = true;
        return [pkg];
      });
  },
};
