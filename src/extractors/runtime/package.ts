/**
 * How a runtime found in a binary is named: ecosystem and name for matching, purl for reports and
 * SBOMs. See README.md ("Ecosystem and names") for why.
 */
import { makePurl, type Package } from '../../model/index.ts';
import { named } from '../file-names.ts';

/**
 * OSV's ecosystem for Bitnami's runtime and application records (osv.dev, github.com/bitnami/vulndb):
 * package names are Bitnami's component names ("node", "python", "java", "ruby", "php"), versions
 * the upstream releases, ranges SEMVER. Vigil imports the Node.js and Ruby runtime advisories of
 * nodejs/security-wg and rubysec into it (src/vulndb/formats/native).
 */
export const RUNTIME_ECOSYSTEM = 'Bitnami';

/** OpenSSL has no OSV ecosystem (OSS-Fuzz records carry commit ranges only): listed, not matched. */
export const OPENSSL_ECOSYSTEM = 'OpenSSL';

export type RuntimeKind = 'node' | 'python' | 'java' | 'go' | 'openssl' | 'ruby';

/** ecosystem, name and purl (Syft's binary-cataloger spelling) of each runtime kind */
const NAMES: Record<RuntimeKind, { ecosystem: string; name: string; purl: [namespace: string | undefined, name: string, type?: string] }> = {
  node: { ecosystem: RUNTIME_ECOSYSTEM, name: 'node', purl: [undefined, 'node'] },
  python: { ecosystem: RUNTIME_ECOSYSTEM, name: 'python', purl: [undefined, 'python'] },
  ruby: { ecosystem: RUNTIME_ECOSYSTEM, name: 'ruby', purl: [undefined, 'ruby'] },
  java: { ecosystem: RUNTIME_ECOSYSTEM, name: 'java', purl: ['oracle', 'openjdk'] },
  // Go's own OSV data names the toolchain (cmd/go and friends) "toolchain", beside "stdlib"
  go: { ecosystem: 'Go', name: 'toolchain', purl: [undefined, 'toolchain', 'golang'] },
  openssl: { ecosystem: OPENSSL_ECOSYSTEM, name: 'openssl', purl: [undefined, 'openssl'] },
};

/** The Package for a runtime of `kind` at `version`, found at `location` by `foundBy`. */
export function runtimePackage(kind: RuntimeKind, version: string, location: string, foundBy: string): Package {
  const n = NAMES[kind];
  const [ns, name, type] = n.purl;
  return { ecosystem: n.ecosystem, name: n.name, version, purl: makePurl(type ?? 'generic', ns, name, version), locations: [location], foundBy };
}

/**
 * A purl written by another tool for a runtime (Syft's `pkg:generic/node@…`, Bitnami's
 * `pkg:bitnami/node@…`) → the ecosystem and name Vigil matches it by, and the version in the form
 * Vigil's own package would have (Syft's ruby "3.1.2p20" → "3.1.2": {@link rubyRelease}); undefined
 * for other purls.
 */
export function runtimeOfPurl(type: string, namespace: string | undefined, name: string, version?: string): { ecosystem: string; name: string; version?: string } | undefined {
  const withVersion = (r: { ecosystem: string; name: string }) =>
    version === undefined ? r : { ...r, version: r.ecosystem === RUNTIME_ECOSYSTEM && r.name === 'ruby' ? (rubyVersionOfText(version) ?? version) : version };
  if (type === 'bitnami' && !namespace) return withVersion({ ecosystem: RUNTIME_ECOSYSTEM, name });
  if (type !== 'generic') return undefined;
  for (const n of Object.values(NAMES)) {
    const [ns, pn, t] = n.purl;
    if (!t && (ns ?? '') === (namespace ?? '') && pn === name) return withVersion({ ecosystem: n.ecosystem, name: n.name });
  }
  // Syft names the Go toolchain binary pkg:generic/go
  if (!namespace && name === 'go') return { ecosystem: 'Go', name: 'toolchain', ...(version === undefined ? {} : { version }) };
  return undefined;
}

/**
 * A Ruby (MRI) release as a SemVer version, from RUBY_VERSION ("3.1.2"), the patchlevel and a
 * pre-release tag ("preview1", "rc1", "dev"):
 * - since 2.1.0 a release is named by X.Y.Z alone and has one patchlevel: "3.1.2p20" → "3.1.2";
 * - before 2.1 (1.8, 1.9, 2.0.0) releases were named by their patchlevel ("2.0.0-p648"), which SemVer
 *   cannot order (a pre-release sorts below its release): kept as build metadata, "2.0.0+p648",
 *   equal to every other 2.0.0 in SemVer order (the rubysec import rounds its patchlevel bounds to
 *   match: src/vulndb/formats/native/rubysec);
 * - pre-releases: "3.4.0preview1" → "3.4.0-preview1", "3.3.0rc1" → "3.3.0-rc1", "3.4.0dev" → "3.4.0-dev".
 */
export function rubyRelease(core: string, patchlevel?: string, pre?: string): string {
  if (pre) return `${core}-${pre}`;
  const [major, minor] = core.split('.').map(Number);
  return patchlevel !== undefined && (major < 2 || (major === 2 && minor < 1)) ? `${core}+p${Number(patchlevel)}` : core;
}

/** "3.1.2p20", "2.0.0-p648", "3.4.0preview1", "3.1.2" (a purl's, `ruby -v`'s) → {@link rubyRelease}; undefined when not of that shape. */
export function rubyVersionOfText(v: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+)(?:-?p(\d+)|\+p(\d+)|-?(preview\d+|rc\d+|dev))?$/.exec(v.trim());
  return m ? rubyRelease(m[1], m[2] ?? m[3], m[4]) : undefined;
}

/** True for packages this family found (the inventory checks them against OS package file lists). */
export const isRuntimePackage = (p: Package): boolean => p.foundBy?.startsWith('runtime/') ?? false;

/**
 * The directory part of a "/"-separated path ("usr/local/bin/node" → "usr/local/bin"; "node" → "").
 */
export const dirOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));
export const baseOf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** `dir/../name` without "..": the sibling of `dir`'s parent ("usr/local/go/bin" + "VERSION" → "usr/local/go/VERSION"). */
export function besideParent(dir: string, name: string): string {
  const parent = dirOf(dir);
  return parent ? `${parent}/${name}` : name;
}

/**
 * Directories only the OS package manager writes (FHS): a runtime there belongs to an OS package
 * when the filesystem has no file lists to say exactly (rpm databases: src/inventory). Anything
 * else — usr/local, opt, srv, app directories, home directories — is where tarballs, source builds
 * and applications put theirs.
 */
export const OS_DIRS = /^(?:usr\/(?:bin|sbin|lib|lib32|lib64|libx32|libexec|share|games)|bin|sbin|lib|lib32|lib64|libx32)\//;

/** Executable bit set for anyone (or no mode known: a zip or an archive without modes). */
export const isExecutable = (mode: number | undefined): boolean => mode === undefined || (mode & 0o111) !== 0;

/**
 * `fileRequired` for a runtime read with a small file beside it (the JDK's `release`, Go's
 * `VERSION`): the binary (`binary` tests its path; its file names are `binaryNames`), and every file
 * of the sidecar's name up to `maxSidecarBytes`, so that image sources keep it for `ctx.readFile`
 * (its own extract returns nothing).
 */
export function binaryWithSidecar(binary: RegExp, binaryNames: readonly string[], sidecar: string, maxSidecarBytes: number) {
  return named({ names: [...binaryNames, sidecar] }, (path: string, info: { size: number }): boolean => binary.test(path) || (baseOf(path) === sidecar && info.size <= maxSidecarBytes));
}
