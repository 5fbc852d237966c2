#!/bin/sh
# Builds testdata/happy/Packages{,.be512}: real BerkeleyDB hash databases in the layout of rpm's
# BerkeleyDB backend (CentOS 7 / RHEL 7-8 `/var/lib/rpm/Packages`): key = the header instance
# number (4 bytes, the database's byte order), value = the rpm header blob. The headers are the
# real ones of happy/rpmdb.sqlite (built by make-rpmdb.sh); the databases are written by Berkeley
# DB 5.3 itself (`db5.3_load`, Debian package db5.3-util): Debian's rpm 4.18 has no read-write
# BerkeleyDB backend, but its read-only one (bdb_ro) checks the result: `rpm -qa` on each database
# must equal happy/rpmdb.expected.tsv.
#   Packages        rpm's page size (4096), little-endian: each header on overflow pages
#   Packages.be512  512-byte pages, big-endian: every header is on a chain of overflow pages
#   Packages.le8k   8192-byte pages: headers are stored inline on the hash pages
# Needs: sqlite3, db5.3-util, rpm. Run from anywhere; writes beside this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# db_load -T input: key line, value line, bytes as \xx escapes
dump() { # le|be
  # record 0: rpm's BerkeleyDB backend keeps the next free header instance there (4 bytes)
  if [ "$1" = le ]; then printf '\\00\\00\\00\\00\n\\05\\00\\00\\00\n'; else printf '\\00\\00\\00\\00\n\\00\\00\\00\\05\n'; fi
  sqlite3 "$here/happy/rpmdb.sqlite" 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum' | while IFS='|' read -r n hex; do
    if [ "$1" = le ]; then key=$(printf '%08x' "$n" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/'); else key=$(printf '%08x' "$n"); fi
    printf '%s\n' "$key" | sed 's/\(..\)/\\\1/g'
    printf '%s\n' "$hex" | tr 'A-F' 'a-f' | sed 's/\(..\)/\\\1/g'
  done
}
mk() { # file le|be pagesize lorder
  mkdir -p "$work/$1"
  dump "$2" | db5.3_load -T -t hash -c "db_pagesize=$3" -c "db_lorder=$4" "$work/$1/Packages"
  got=$(rpm 2>/dev/null --define '_db_backend bdb_ro' --dbpath "$work/$1" -qa --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n' | sort)
  if [ "$got" != "$(cat "$here/happy/rpmdb.expected.tsv")" ]; then echo "rpm reads $1 differently:"; echo "$got"; exit 1; fi
  cp "$work/$1/Packages" "$here/happy/$1"
}
mk Packages le 4096 1234
mk Packages.be512 be 512 4321
mk Packages.le8k le 8192 1234
ls -l "$here/happy/Packages" "$here/happy/Packages.be512" "$here/happy/Packages.le8k"
