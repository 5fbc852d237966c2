/**
 * purl → OSV ecosystem, name and version. The purl types are those of the purl specification
 * (https://github.com/package-url/purl-spec/blob/main/PURL-TYPES.rst); the ecosystem spellings
 * are OSV's (https://ossf.github.io/osv-schema/#defined-ecosystems).
 */
import { parsePurl } from '../../model/index.ts';
import { runtimeOfPurl } from '../../extractors/runtime/index.ts';

/** Language purl types whose ecosystem does not depend on a distribution. */
const LANGUAGE: Record<string, string> = {
  npm: 'npm', pypi: 'PyPI', golang: 'Go', cargo: 'crates.io', gem: 'RubyGems', composer: 'Packagist',
  maven: 'Maven', nuget: 'NuGet', pub: 'Pub', hex: 'Hex', swift: 'SwiftURL', conan: 'ConanCenter',
  // not an OSV ecosystem: listed, not matched (src/matching/targets.ts)
  cocoapods: 'CocoaPods',
};

const DEBIAN_CODENAMES: Record<string, string> = {
  jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14',
};

const RPM_DISTROS: Record<string, string> = {
  almalinux: 'AlmaLinux', alma: 'AlmaLinux', rocky: 'Rocky Linux', rockylinux: 'Rocky Linux',
  redhat: 'Red Hat', rhel: 'Red Hat', opensuse: 'openSUSE', 'opensuse-leap': 'openSUSE', suse: 'SUSE', sles: 'SUSE',
};

/** A distribution as a purl `distro` qualifier or an SBOM's operating-system component names it. */
export interface DistroHint {
  /** "debian", "ubuntu", "alpine", "almalinux" */
  id: string;
  /** "11", "11.11", "22.04", "3.18.4", "bookworm" */
  version?: string;
}

/** "debian-11.6" → {id: "debian", version: "11.6"}; "bookworm" → {id: "", version: "bookworm"}. */
export function parseDistroQualifier(q: string): DistroHint {
  const m = /^([a-z][a-z-]*?)-(\d[\w.]*)$/i.exec(q);
  if (m) return { id: m[1].toLowerCase(), version: m[2] };
  return { id: '', version: q };
}

/**
 * The OSV ecosystem of a distribution release: debian 11.6 → "Debian:11", ubuntu 22.04 →
 * "Ubuntu:22.04:LTS" (OSV marks LTS releases, which are the even years' April releases:
 * https://ubuntu.com/about/release-cycle), alpine 3.18.4 → "Alpine:v3.18", almalinux 9.2 →
 * "AlmaLinux:9". Undefined when the release is unknown.
 */
export function distroEcosystem(purlType: string, namespace: string | undefined, hint: DistroHint | undefined): string | undefined {
  const ns = (namespace ?? '').toLowerCase();
  const id = (hint?.id || ns).toLowerCase();
  const version = hint?.version;
  if (purlType === 'deb') {
    if (id === 'ubuntu') {
      const m = version && /^(\d\d)\.(\d\d)/.exec(version);
      if (!m) return 'Ubuntu';
      const lts = m[2] === '04' && Number(m[1]) % 2 === 0;
      return `Ubuntu:${m[1]}.${m[2]}${lts ? ':LTS' : ''}`;
    }
    if (id === 'debian' || id === '') {
      if (!version) return 'Debian';
      const major = /^(\d+)/.exec(version)?.[1] ?? DEBIAN_CODENAMES[version.toLowerCase()];
      return major ? `Debian:${major}` : 'Debian';
    }
    return undefined;
  }
  if (purlType === 'apk') {
    const base = id === 'wolfi' ? 'Wolfi' : id === 'chainguard' ? 'Chainguard' : id === 'alpine' || id === '' ? 'Alpine' : undefined;
    if (!base) return undefined;
    if (base !== 'Alpine') return base; // Wolfi and Chainguard are rolling: no release in OSV
    const m = version && /^v?(\d+)\.(\d+)/.exec(version);
    return m ? `Alpine:v${m[1]}.${m[2]}` : 'Alpine';
  }
  if (purlType === 'rpm') {
    const base = RPM_DISTROS[id];
    if (!base) return undefined;
    const major = version && /^(\d+)/.exec(version)?.[1];
    // OSV spells Red Hat and SUSE releases with product streams ("Red Hat:enterprise_linux:9::appstream")
    // that a purl does not carry: only the base is given for them.
    if (base === 'AlmaLinux' || base === 'Rocky Linux') return major ? `${base}:${major}` : base;
    return base;
  }
  return undefined;
}

export interface PurlPackage {
  ecosystem: string;
  name: string;
  version: string;
  /** from an `upstream` qualifier (Syft: "glibc" or "glibc@2.31-13") */
  sourceName?: string;
  sourceVersion?: string;
}

/**
 * The ecosystem, name and version a purl names, or a reason it cannot be used. `os` is the SBOM's
 * operating system, used when an OS purl has no `distro` qualifier.
 */
export function purlToPackage(purl: string, os?: DistroHint): PurlPackage | { error: string } {
  const p = parsePurl(purl);
  if (!p) return { error: 'not a valid purl' };
  if (!p.version) return { error: 'purl has no version' };
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  let version = p.version;
  let ecosystem: string | undefined;
  let name = p.name;
  if (LANGUAGE[p.type]) {
    ecosystem = LANGUAGE[p.type];
    if (p.type === 'maven') name = p.namespace ? `${p.namespace}:${p.name}` : p.name;
    else if (p.namespace) name = `${p.namespace}/${p.name}`; // npm scope, Go module path, Composer vendor
  } else if (p.type === 'deb' || p.type === 'apk' || p.type === 'rpm') {
    const hint = q.distro ? parseDistroQualifier(q.distro) : os;
    ecosystem = distroEcosystem(p.type, p.namespace ?? undefined, hint && !hint.id && p.namespace ? { id: p.namespace, version: hint.version } : hint);
    // Trivy and Syft carry the epoch as a qualifier (purl-spec: "epoch" for deb and rpm).
    if (q.epoch && !version.includes(':') && q.epoch !== '0') version = `${q.epoch}:${version}`;
  } else {
    // language runtimes as Syft (pkg:generic/node) and Bitnami (pkg:bitnami/node) write them
    const rt = runtimeOfPurl(p.type, p.namespace ?? undefined, p.name, version);
    if (rt) ({ ecosystem, name, version = version } = rt);
  }
  if (!ecosystem) return { error: `no OSV ecosystem for purl type "${p.type}"${p.namespace ? ` namespace "${p.namespace}"` : ''}` };
  const out: PurlPackage = { ecosystem, name, version };
  if (q.upstream) {
    const at = q.upstream.indexOf('@');
    out.sourceName = at < 0 ? q.upstream : q.upstream.slice(0, at);
    if (at >= 0) out.sourceVersion = q.upstream.slice(at + 1);
  }
  return out;
}
