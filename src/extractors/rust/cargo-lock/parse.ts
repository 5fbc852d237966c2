/**
 * Cargo.lock parser (v1–v4; https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html,
 * format history in cargo's src/cargo/core/resolver/encode.rs). Pure: text in, packages out.
 * Every version keeps the same `[[package]]` tables (name, version, source, checksum,
 * dependencies); v1 put checksums under `[metadata]`, v3+ have a top-level `version`.
 */
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';

export interface CargoLockPackage { name: string; version: string; source?: string }

const Lock = z.object({
  version: z.number().optional(),
  package: z.array(z.record(z.string(), z.unknown())).optional(),
});

/** @throws Error (TOML syntax, or a lockfile whose shape is not Cargo's) — the extractor records it */
export function parseCargoLock(text: string): { version: number; packages: CargoLockPackage[]; problems: string[] } {
  const lock = Lock.parse(parseToml(text));
  const packages: CargoLockPackage[] = [];
  const problems: string[] = [];
  (lock.package ?? []).forEach((p, i) => {
    if (typeof p.name !== 'string' || typeof p.version !== 'string') {
      problems.push(`[[package]] #${i + 1} (${JSON.stringify(p.name ?? '?')}) lacks a string name or version`);
      return;
    }
    packages.push({ name: p.name, version: p.version, source: typeof p.source === 'string' ? p.source : undefined });
  });
  return { version: lock.version ?? 1, packages, problems };
}
