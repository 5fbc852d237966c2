/**
 * Debian release codenames and their version numbers, as OSV spells them in ecosystems
 * ("Debian:3.0", "Debian:11"). Source: https://www.debian.org/releases/ and distro-info-data's
 * debian.csv (https://salsa.debian.org/debian/distro-info-data). Releases before lenny carry a
 * minor number (3.0, 3.1, 4.0); from lenny (5) on OSV uses the major number alone.
 */
export const DEBIAN_RELEASES: readonly { codename: string; version: string }[] = [
  { codename: 'buzz', version: '1.1' },
  { codename: 'rex', version: '1.2' },
  { codename: 'bo', version: '1.3' },
  { codename: 'hamm', version: '2.0' },
  { codename: 'slink', version: '2.1' },
  { codename: 'potato', version: '2.2' },
  { codename: 'woody', version: '3.0' },
  { codename: 'sarge', version: '3.1' },
  { codename: 'etch', version: '4.0' },
  { codename: 'lenny', version: '5' },
  { codename: 'squeeze', version: '6' },
  { codename: 'wheezy', version: '7' },
  { codename: 'jessie', version: '8' },
  { codename: 'stretch', version: '9' },
  { codename: 'buster', version: '10' },
  { codename: 'bullseye', version: '11' },
  { codename: 'bookworm', version: '12' },
  { codename: 'trixie', version: '13' },
  { codename: 'forky', version: '14' },
  { codename: 'duke', version: '15' },
];

const byCodename = new Map(DEBIAN_RELEASES.map((r) => [r.codename, r.version]));
const byVersion = new Map(DEBIAN_RELEASES.map((r) => [r.version, r.codename]));

/**
 * Suites that have no release number: advisories for them cannot be tied to an installed
 * system's VERSION_ID, so importers skip them without reporting an error.
 */
export const DEBIAN_UNNUMBERED_SUITES: ReadonlySet<string> = new Set(['sid', 'unstable', 'experimental']);

/**
 * The OSV version number of a Debian codename: `debianReleaseNumber('bookworm')` → `"12"`,
 * `debianReleaseNumber('woody')` → `"3.0"`. Case-insensitive. `undefined` for unknown codenames
 * and for suites without a number (sid, experimental).
 */
export function debianReleaseNumber(codename: string): string | undefined {
  return byCodename.get(codename.trim().toLowerCase());
}

/**
 * The codename of a Debian version number: `debianCodename('12')` → `"bookworm"`. Accepts what
 * /etc/debian_version and os-release give: point releases ("12.5", "5.0.10") map to their major
 * release from lenny (5) on; before that the minor number is part of the release ("3.1" → sarge,
 * "3.1r8" → sarge). `undefined` when unknown.
 */
export function debianCodename(version: string): string | undefined {
  const v = version.trim();
  const exact = byVersion.get(v);
  if (exact !== undefined) return exact;
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  if (m === null) return undefined;
  const major = Number(m[1]);
  if (major >= 5) return byVersion.get(String(major));
  return m[2] === undefined ? undefined : byVersion.get(`${m[1]}.${m[2]}`);
}

/**
 * The OSV ecosystem for a Debian codename ("bullseye" → "Debian:11"), or `undefined` if unknown.
 */
export function debianEcosystem(codename: string): string | undefined {
  const n = debianReleaseNumber(codename);
  return n === undefined ? undefined : `Debian:${n}`;
}

/**
 * A cheap syntax check of a Debian version ([epoch:]upstream[-revision], Debian Policy §5.6.12):
 * the upstream part should start with a digit, and only [A-Za-z0-9.+~:-] may appear. This is not
 * the dpkg ordering (that lives in versioning/); it only flags data that no comparison could use.
 * @returns the broken rule, or undefined when the string looks like a Debian version
 */
export function debianVersionProblem(v: string): string | undefined {
  const m = /^(?:([^:]*):)?(.*)$/.exec(v)!;
  const epoch = m[1];
  const rest = m[2];
  if (epoch !== undefined && !/^\d+$/.test(epoch)) return 'epoch must be numeric';
  if (rest === '') return 'empty version';
  if (!/^[0-9]/.test(rest)) return 'version must start with a digit';
  if (!/^[A-Za-z0-9.+~:-]+$/.test(rest)) return 'only letters, digits and . + ~ - : are allowed';
  if (rest.endsWith('-')) return 'empty Debian revision';
  if (epoch === undefined && rest.includes(':')) return 'a colon needs an epoch';
  return undefined;
}
