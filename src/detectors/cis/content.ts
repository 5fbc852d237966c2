/** Which files of a target the CIS checks read. */
import type { FileInfo } from '../../sources/types.ts';

/**
 * What the checks read, for sources that keep only wanted files (images): configuration under
 * /etc, package databases, vendor sysctl/modprobe/systemd directories, root's shell files, grub.
 */
export function cisContentFilter(info: FileInfo): boolean {
  const p = info.path;
  if (info.size > 8 * 1024 * 1024) return false;
  return p.startsWith('etc/') || p === 'var/lib/dpkg/status' || /^(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\/(rpmdb\.sqlite|Packages|Packages\.db)$/.test(p)
    || /^(usr\/)?lib\/(sysctl\.d|modprobe\.d)\//.test(p) || /^usr\/local\/lib\/(sysctl\.d|modprobe\.d)\//.test(p) || p === 'usr/lib/os-release'
    || /^(usr\/)?lib\/systemd\/system\/[^/]+\.mount$/.test(p) || p.startsWith('usr/share/systemd/') || p.startsWith('run/')
    || /^root\/\.(bashrc|bash_profile|profile)$/.test(p) || p === 'boot/grub/grub.cfg';
}

