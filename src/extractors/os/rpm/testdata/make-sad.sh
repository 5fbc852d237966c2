#!/bin/sh
# Builds the sad rpm fixtures from happy/rpmdb.sqlite (needs python3):
# - rpmdb-corrupt.sqlite: only the Packages table kept; row 2's header blob cut short, row 3's
#   index count set to 0 (rows 1 and 4 intact);
# - not-rpmdb.sqlite: an SQLite database without a Packages table;
# - garbage.sqlite: not SQLite at all.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rm -f "$here/sad/rpmdb-corrupt.sqlite" "$here/sad/not-rpmdb.sqlite"
cp "$here/happy/rpmdb.sqlite" "$here/sad/rpmdb-corrupt.sqlite"
python3 - "$here/sad/rpmdb-corrupt.sqlite" "$here/sad/not-rpmdb.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT IN ('Packages','sqlite_sequence')").fetchall():
    db.execute(f'DROP TABLE "{name}"')
b2 = db.execute('SELECT blob FROM Packages WHERE hnum = 2').fetchone()[0]
db.execute('UPDATE Packages SET blob = ? WHERE hnum = 2', (b2[:100],))
b3 = db.execute('SELECT blob FROM Packages WHERE hnum = 3').fetchone()[0]
db.execute('UPDATE Packages SET blob = ? WHERE hnum = 3', (b'\0\0\0\0' + b3[4:],))
db.commit()
db.execute('PRAGMA journal_mode = DELETE')
db.execute('VACUUM')
db.close()
o = sqlite3.connect(sys.argv[2])
o.execute('CREATE TABLE Other (x INTEGER)')
o.commit()
o.close()
PY
printf 'not a database at all\n' > "$here/sad/garbage.sqlite"
