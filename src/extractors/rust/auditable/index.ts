/**
 * rust/auditable: crates compiled into a Rust binary built with cargo-auditable (`.dep-v0`
 * section). Local crates (the binary's own workspace) are skipped; build-time-only crates
 * (`kind: "build"`: build scripts, proc-macros) are reported with `dev: true`.
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { exeFormat, isCandidateBinary } from '../../go/binary/exe.ts';
import { cratePackage } from '../cargo-lock/index.ts';
import { parseAuditable } from './parse.ts';
import { entry, fileSink } from '../../entries.ts';

export { parseAuditable, MAX_AUDIT_JSON, type AuditPackage } from './parse.ts';

const NAME = 'rust/auditable';

export const auditableExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: (path, info) => isCandidateBinary(path, info),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const buf = await file.read();
    if (!exeFormat(buf)) return [];
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
