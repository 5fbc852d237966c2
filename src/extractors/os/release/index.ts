/**
 * Which distribution and release a filesystem holds, from os-release(5) and the older release
 * files, and the OSV ecosystem its OS packages are matched in ("Debian:11", "Ubuntu:22.04:LTS",
 * "Alpine:v3.18", "AlmaLinux:9", ...).
 *
 * https://www.freedesktop.org/software/systemd/man/latest/os-release.html
 * https://ossf.github.io/osv-schema/#affectedpackage-field (ecosystem spellings)
 */
import type { OsInfo } from '../../types.ts';

/**
 * Every path `detectOs` may read, in the order it tries them. The scanner must keep these files
 * (image sources only hold files some consumer asked for).
 */
export const OS_RELEASE_PATHS: readonly string[] = [
  'etc/os-release',
  'usr/lib/os-release',
  'etc/lsb-release',
  'etc/alpine-release',
  'etc/debian_version',
  'etc/almalinux-release',
  'etc/rocky-release',
  'etc/centos-release',
  'etc/redhat-release',
  'etc/system-release',
];

export type ReadFile = (path: string) => Promise<Buffer | null>;

/**
 * Detects the OS of a filesystem. os-release wins (etc/ first, then usr/lib/, as os-release(5)
 * says); the older files fill in when it is missing or lacks a version (Debian testing/sid has no
 * VERSION_ID; old images have no os-release at all).
 * @returns undefined when no release file is recognised
 */
export async function detectOs(readFile: ReadFile): Promise<OsInfo | undefined> {
  const text = async (p: string): Promise<string | undefined> => {
    try {
      const b = await readFile(p);
      return b ? b.toString('utf8') : undefined;
    } catch {
      // unreadable (too large, unsafe link): treat as absent, the next file may still answer
      return undefined;
    }
  };

  let info: OsInfo | undefined;
  for (const p of ['etc/os-release', 'usr/lib/os-release']) {
    const t = await text(p);
    if (t === undefined) continue;
    info = fromOsRelease(parseKeyValues(t));
    if (info) break;
  }

  if (!info) {
    const lsb = await text('etc/lsb-release');
    if (lsb !== undefined) info = fromLsbRelease(parseKeyValues(lsb));
  }
  if (!info) {
    const alpine = await text('etc/alpine-release');
    if (alpine !== undefined && alpine.trim()) info = { id: 'alpine', versionId: alpine.trim() };
  }
  if (!info) {
    for (const p of ['etc/almalinux-release', 'etc/rocky-release', 'etc/centos-release', 'etc/redhat-release', 'etc/system-release']) {
      const t = await text(p);
      if (t === undefined) continue;
      info = fromRedhatRelease(t);
      if (info) break;
    }
  }
  // debian_version last: Ubuntu ships one too ("bookworm/sid"), so it only decides when nothing else did
  if (!info || (info.id === 'debian' && !info.versionId)) {
    const dv = await text('etc/debian_version');
    if (dv !== undefined && dv.trim()) {
      const v = dv.trim();
      const m = /^(\d+)(?:\.\d+)*$/.exec(v);
      info = { ...(info ?? { id: 'debian' }), ...(m ? { versionId: m[1] } : { codename: info?.codename ?? v }) };
    }
  }
  if (!info) return undefined;
  const ecosystem = osvEcosystem(info);
  return ecosystem ? { ...info, ecosystem } : info;
}

/** Parses os-release / lsb-release `KEY=value` lines (shell-style quoting, `#` comments). */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) {
      const q = v[0];
      v = v.slice(1, -1);
      // os-release(5): in double quotes, \ escapes $ " \ and `
      if (q === '"') v = v.replace(/\\([$"\\`])/g, '$1');
    }
    out[m[1]] = v;
  }
  return out;
}

function fromOsRelease(kv: Record<string, string>): OsInfo | undefined {
  const id = kv.ID?.toLowerCase();
  if (!id) return undefined;
  const info: OsInfo = { id };
  if (kv.VERSION_ID) info.versionId = kv.VERSION_ID;
  const codename = kv.VERSION_CODENAME || kv.UBUNTU_CODENAME;
  if (codename) info.codename = codename;
  if (kv.PRETTY_NAME) info.prettyName = kv.PRETTY_NAME;
  return info;
}

function fromLsbRelease(kv: Record<string, string>): OsInfo | undefined {
  const id = kv.DISTRIB_ID?.toLowerCase();
  if (!id) return undefined;
  const info: OsInfo = { id };
  if (kv.DISTRIB_RELEASE) info.versionId = kv.DISTRIB_RELEASE;
  if (kv.DISTRIB_CODENAME) info.codename = kv.DISTRIB_CODENAME;
  if (kv.DISTRIB_DESCRIPTION) info.prettyName = kv.DISTRIB_DESCRIPTION;
  return info;
}

/** "AlmaLinux release 9.3 (Shamrock Pink Panther)", "CentOS Linux release 7.9.2009 (Core)", ... */
function fromRedhatRelease(text: string): OsInfo | undefined {
  const line = text.split(/\r?\n/)[0]?.trim() ?? '';
  const m = /^(.*?)\s+release\s+([0-9][0-9.]*)/i.exec(line);
  if (!m) return undefined;
  const name = m[1].toLowerCase();
  const id = name.startsWith('almalinux') ? 'almalinux'
    : name.startsWith('rocky') ? 'rocky'
    : name.startsWith('centos') ? 'centos'
    : name.startsWith('red hat') ? 'rhel'
    : name.startsWith('fedora') ? 'fedora'
    : name.startsWith('oracle') ? 'ol'
    : name.replace(/\s+linux$/, '').replace(/\s+/g, '-');
  return { id, versionId: m[2], prettyName: line };
}

/**
 * The OSV ecosystem for an OS, or undefined when OSV has no data for it (CentOS, Fedora, Debian
 * testing/sid, Alpine edge) or the release is unknown.
 */
export function osvEcosystem(os: OsInfo): string | undefined {
  const v = os.versionId;
  const major = v ? /^(\d+)/.exec(v)?.[1] : undefined;
  switch (os.id) {
    case 'debian':
      // testing and sid have no VERSION_ID (and no OSV release)
      return major ? `Debian:${major}` : undefined;
    case 'ubuntu': {
      const m = v ? /^(\d+\.\d+)/.exec(v) : null;
      if (!m) return undefined;
      // OSV spells LTS releases "Ubuntu:22.04:LTS"; LTS are the even-year .04 releases
      // (Ubuntu's VERSION says "22.04.3 LTS" too, but VERSION_ID alone must do for lsb-release and SBOMs)
      const lts = /^\d*[02468]\.04$/.test(m[1]);
      return `Ubuntu:${m[1]}${lts ? ':LTS' : ''}`;
    }
    case 'alpine': {
      // edge reports e.g. "3.21.0_alpha20240807": no OSV release for it
      const m = v ? /^(\d+)\.(\d+)(?:\.\d+)?$/.exec(v) : null;
      return m ? `Alpine:v${m[1]}.${m[2]}` : undefined;
    }
    case 'almalinux':
      return major ? `AlmaLinux:${major}` : undefined;
    case 'rocky':
      return major ? `Rocky Linux:${major}` : undefined;
    case 'rhel':
      // OSV's Red Hat ecosystem is per CPE and repository ("Red Hat:enterprise_linux:9::appstream");
      // the repository is not in os-release, so this is the prefix matching must extend.
      return major ? `Red Hat:enterprise_linux:${major}` : undefined;
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    case 'opensuse-leap':
      return v ? `openSUSE:Leap ${v}` : undefined;
    case 'opensuse-tumbleweed':
      return 'openSUSE:Tumbleweed';
    case 'sles': {
      // VERSION_ID "15.5" → "SUSE:Linux Enterprise Server 15 SP5"; "15" → "... 15"
      const m = v ? /^(\d+)(?:\.(\d+))?/.exec(v) : null;
      if (!m) return undefined;
      return `SUSE:Linux Enterprise Server ${m[1]}${m[2] && m[2] !== '0' ? ` SP${m[2]}` : ''}`;
    }
    default:
      return undefined;
  }
}
