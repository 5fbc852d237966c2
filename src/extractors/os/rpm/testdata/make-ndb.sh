#!/bin/sh
# Builds testdata/happy/Packages.db: a real rpm NDB database (the SUSE 15 SP3+ / openSUSE
# `Packages.db`), written by rpm's own NDB package store. Debian's rpm 4.18 is built without the
# NDB backend, so rpm's lib/backend/ndb/rpmpkg.c (rpm-4.18.2-release) is compiled here with
# ndb/ndbtool.c, a small driver, and two stand-in headers (ndb/shim: xmalloc and rpmlog only).
# The headers stored are the real ones of happy/rpmdb.sqlite (make-rpmdb.sh); one package is
# deleted and stored again, as an upgrade does, so package indexes have a gap and a freed slot
# and its blocks are reused.
# The result is checked with rpm's own reader (rpmpkgVerify, then rpmpkgGet of every package):
# every blob must come back byte for byte, and happy/rpmdb.expected.tsv (rpm -qa on the SQLite
# database) is what the extractor must list from it.
# If happy/sle15-bci/Packages.db is present (a SUSE BCI image's database, see ../README.md), it
# is checked with rpm's reader too.
# Usage: make-ndb.sh DIR   (DIR holds rpmpkg.c and rpmpkg.h from rpm's lib/backend/ndb)
# Needs: cc, sqlite3, xxd.
set -eu
src=${1:?usage: make-ndb.sh DIR-with-rpmpkg.c-and-rpmpkg.h}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O1 -w -I"$here/ndb/shim" -I"$src" -o "$work/ndbtool" "$here/ndb/ndbtool.c" "$src/rpmpkg.c"

mkdir -p "$work/blobs" "$work/db" "$work/out"
sqlite3 "$here/happy/rpmdb.sqlite" 'SELECT hnum, hex(blob) FROM Packages ORDER BY hnum' | while IFS='|' read -r n hex; do
  printf '%s' "$hex" | xxd -r -p > "$work/blobs/$n"
done
set -- "$work"/blobs/*
"$work/ndbtool" put "$work/db/Packages.db" "$@" > "$work/put.tsv"
# an upgrade: the second package is removed and stored again under a new package index
second=$(sed -n 2p "$work/put.tsv")
"$work/ndbtool" del "$work/db/Packages.db" "${second%%	*}"
"$work/ndbtool" put "$work/db/Packages.db" "${second#*	}" >> "$work/put.tsv"

"$work/ndbtool" dump "$work/db/Packages.db" "$work/out" > "$work/dump.tsv"
sed -n '1p;3,$p' "$work/put.tsv" | while IFS='	' read -r idx file; do
  cmp "$file" "$work/out/$idx" || { echo "rpm's reader gives back package $idx differently"; exit 1; }
done
[ "$(wc -l < "$work/dump.tsv")" -eq "$#" ] || { echo "rpm lists $(wc -l < "$work/dump.tsv") packages, not $#"; exit 1; }
cp "$work/db/Packages.db" "$here/happy/Packages.db"
ls -l "$here/happy/Packages.db"
cat "$work/dump.tsv"

if [ -f "$here/happy/sle15-bci/Packages.db" ]; then
  mkdir -p "$work/sle"
  "$work/ndbtool" dump "$here/happy/sle15-bci/Packages.db" "$work/sle" > "$work/sle.tsv"
  echo "sle15-bci/Packages.db: rpm's reader verifies it and reads $(wc -l < "$work/sle.tsv") blobs"
fi
