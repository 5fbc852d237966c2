/**
 * Packages (dpkg status, rpm SQLite database), systemd unit enablement (the symlinks `systemctl
 * enable` and `mask` make) and mounts (fstab; /proc/mounts on a live host).
 */
import { parseRpmdb, RPMDB_PATHS } from '../../extractors/os/rpm/index.ts';
import type { FileError } from '../../sources/types.ts';
import { CheckError, abs, lines, type TargetReader } from './fsutil.ts';

// ---------------------------------------------------------------- packages

export interface PackageDb {
  /** installed package names → where recorded */
  installed: Map<string, { path: string; line?: number; version?: string }>;
  source: string;
}

/** installed packages of a dpkg status file (status "install ok installed" and the half-done states that leave files) */
export function parseDpkgStatus(text: string, path: string): Map<string, { path: string; line?: number; version?: string }> {
  const out = new Map<string, { path: string; line?: number; version?: string }>();
  let name = '';
  let status = '';
  let version = '';
  let at = 0;
  const flush = () => {
    const st = status.split(/\s+/)[2];
    if (name && st && !['not-installed', 'config-files'].includes(st)) out.set(name, { path, line: at, version });
    name = status = version = '';
  };
  for (const { n, line } of lines(text)) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'Package') {
      name = m[2].trim();
      at = n;
    } else if (m[1] === 'Status') status = m[2].trim();
    else if (m[1] === 'Version') version = m[2].trim();
  }
  flush();
  return out;
}

export async function readPackages(r: TargetReader): Promise<PackageDb> {
  return r.once('packages', async () => {
    const dpkg = await r.text('/var/lib/dpkg/status');
    if (dpkg !== null) return { installed: parseDpkgStatus(dpkg, '/var/lib/dpkg/status'), source: '/var/lib/dpkg/status' };
    // rpm in any of its forms: rpmdb.sqlite, BerkeleyDB Packages (EL 7–8), NDB Packages.db (SUSE)
    for (const p of RPMDB_PATHS) {
      const st = await r.stat(p);
      if (!st || st.kind !== 'file') continue;
      const errors: FileError[] = [];
      const pkgs = parseRpmdb(p, await r.fs.readFile(p), undefined, errors);
      if (!pkgs.length && errors.length) throw new CheckError({ path: abs(p), message: `${abs(p)}: ${errors[0].message}` });
      return { installed: new Map(pkgs.map((x) => [x.name, { path: abs(p), version: x.version }])), source: abs(p) };
    }
    throw new CheckError({ message: 'no package database (/var/lib/dpkg/status, an rpm rpmdb.sqlite, Packages or Packages.db)' });
  });
}

// ---------------------------------------------------------------- systemd units

export interface UnitState {
  enabledBy: string[];
  masked?: string;
}

const SYSTEMD_DIRS = ['/etc/systemd/system', '/run/systemd/system'];

/** a unit name, ".service" added when it has no type suffix */
export const unitName = (u: string): string => (/\.(service|socket|timer|mount|target|path|automount|swap|slice|scope|device)$/.test(u) ? u : `${u}.service`);

/** whether a unit is enabled (a symlink in a *.wants or *.requires directory of /etc or /run) or masked (linked to /dev/null) */
export async function unitState(r: TargetReader, unit: string): Promise<UnitState> {
  const u = unitName(unit);
  const out: UnitState = { enabledBy: [] };
  for (const dir of SYSTEMD_DIRS) {
    const entry = (await r.list(dir)).find((e) => e.path === `${dir.slice(1)}/${u}`);
    if (entry?.kind === 'symlink' && /^(\/dev\/null|(\.\.\/)+dev\/null)$/.test(entry.linkTarget ?? '')) out.masked ??= `${dir}/${u}`;
    for (const d of await r.list(dir)) {
      if (d.kind !== 'dir' || !/\.(wants|requires)$/.test(d.path)) continue;
      for (const l of await r.list(abs(d.path))) {
        const name = l.path.slice(l.path.lastIndexOf('/') + 1);
        // a template's instances (getty@tty1.service) enable the template
        const inst = /^(.+@)[^@]*(\.\w+)$/.exec(name);
        if (name === u || (inst && `${inst[1]}${inst[2]}` === u)) out.enabledBy.push(abs(l.path));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- mounts

export interface MountEntry {
  device: string;
  path: string;
  type: string;
  options: string[];
  source: string;
  line: number;
}

/** fstab(5) or /proc/mounts lines (octal escapes such as \040 decoded) */
export function parseMounts(text: string, source: string): MountEntry[] {
  const dec = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const out: MountEntry[] = [];
  for (const { n, line } of lines(text)) {
    const t = line.replace(/#.*$/, '').trim();
    if (!t) continue;
    const f = t.split(/\s+/);
    if (f.length < 4) continue;
    out.push({ device: dec(f[0]), path: dec(f[1]).replace(/(.)\/+$/, '$1'), type: f[2], options: f[3].split(','), source, line: n });
  }
  return out;
}

/**
 * The mount of a path: the last fstab (or /proc/mounts) entry for it; on a root filesystem also a
 * systemd .mount unit enabled for it (Debian's tmp.mount), with the Options= of its unit file.
 */
export async function findMount(r: TargetReader, path: string, procMounts?: string): Promise<MountEntry | undefined> {
  const p = path.replace(/(.)\/+$/, '$1');
  if (procMounts !== undefined) return parseMounts(procMounts, '/proc/mounts').filter((m) => m.path === p).at(-1);
  const fstab = await r.text('/etc/fstab');
  const hit = fstab === null ? undefined : parseMounts(fstab, '/etc/fstab').filter((m) => m.path === p).at(-1);
  if (hit) return hit;
  // systemd mounts /dev/shm itself (a tmpfs with nosuid,nodev: mount-setup.c) when fstab does not
  if (p === '/dev/shm' && ((await r.stat('/usr/lib/systemd/systemd')) || (await r.stat('/lib/systemd/systemd')))) {
    return { device: 'tmpfs', path: p, type: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'strictatime'], source: 'systemd (built-in /dev/shm mount; not in /etc/fstab)', line: 0 };
  }
  const unit = `${p.slice(1).replace(/\//g, '-') || '-'}.mount`;
  const st = await unitState(r, unit);
  if (!st.enabledBy.length || st.masked) return undefined;
  for (const dir of ['/etc/systemd/system', '/usr/lib/systemd/system', '/usr/share/systemd', '/lib/systemd/system']) {
    const text = await r.text(`${dir}/${unit}`);
    if (text === null) continue;
    const l = lines(text).find((x) => /^\s*Options\s*=/.test(x.line));
    const what = lines(text).find((x) => /^\s*What\s*=/.test(x.line));
    const type = lines(text).find((x) => /^\s*Type\s*=/.test(x.line));
    return {
      device: what?.line.split('=')[1].trim() ?? '', path: p, type: type?.line.split('=')[1].trim() ?? '',
      options: l ? l.line.split('=').slice(1).join('=').trim().split(',') : [], source: `${dir}/${unit}`, line: l?.n ?? 0,
    };
  }
  return undefined;
}
