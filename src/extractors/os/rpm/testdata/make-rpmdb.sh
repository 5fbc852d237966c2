#!/bin/sh
# Builds testdata/happy/rpmdb.sqlite: a real rpm database (SQLite backend) holding three tiny
# noarch packages plus a subpackage (whose SOURCERPM names another package), one with an epoch.
# Needs Debian's `rpm` package (rpmbuild, rpm 4.16+). Run from anywhere; writes beside this script.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/SPECS" "$work/db"

spec() { # name version release epoch license source-name
  cat > "$work/SPECS/$1.spec" <<SPEC
Name: $1
Version: $2
Release: $3
$( [ -n "$4" ] && echo "Epoch: $4" )
Summary: Vigil test package $1
License: $5
BuildArch: noarch

$( [ -n "$6" ] && printf '%%package -n %s\nSummary: subpackage of %s\n%%description -n %s\nA subpackage, so its SOURCERPM names another package.\n%%files -n %s\n' "$6" "$1" "$6" "$6" )

%description
A tiny package for Vigil's rpm database tests.

%files
SPEC
}
spec vigil-hello 1.2.3 4.el9 "" MIT vigil-hello-libs
spec vigil-epoch 2.0 1.el9_3.alma.1 3 "GPL-2.0-or-later AND MIT" ""
spec vigil-tilde 1.0~rc1 0.1.el9 "" "Apache-2.0" ""

for s in "$work"/SPECS/*.spec; do
  rpmbuild --quiet --define "_topdir $work" --define '_build_id_links none' -bb "$s" >/dev/null
done
rpm --define '_db_backend sqlite' --dbpath "$work/db" --initdb
rpm --define '_db_backend sqlite' --dbpath "$work/db" -i 2>/dev/null --nodeps --justdb --ignorearch "$work"/RPMS/noarch/*.rpm
rpm --define '_db_backend sqlite' --dbpath "$work/db" -qa --qf '%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n' | sort > "$here/happy/rpmdb.expected.tsv"
# fold any WAL content back into the main file, so the one file is the whole database
# and drop free pages so the committed file stays small (rpm keeps WAL mode in the header).
sqlite3 "$work/db/rpmdb.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM;' >/dev/null
cp "$work/db/rpmdb.sqlite" "$here/happy/rpmdb.sqlite"
ls -l "$here/happy/rpmdb.sqlite"
cat "$here/happy/rpmdb.expected.tsv"
