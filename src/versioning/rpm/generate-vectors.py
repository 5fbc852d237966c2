#!/usr/bin/env python3
"""Writes vectors.generated.txt for the rpm scheme, using rpm itself as the oracle.

Needs Debian's `rpm` package (`apt-get install -y rpm`). Every pair is judged by rpm's Lua
`rpm.vercmp()`, which parses `[epoch:]version[-release]` and runs rpmvercmp on each part.

Pairs come from the ECOSYSTEM range events of the AlmaLinux OSV data (neighbouring versions of the
same package), plus edge cases. Deterministic: pairs are chosen and half of them swapped by a hash of their text.

Usage (from the repository root, with ../shared beside it):
    python3 src/versioning/rpm/generate-vectors.py [path/to/vulndata/AlmaLinux/all.zip]
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', '..', '..', '..', 'shared', 'vulndata', 'AlmaLinux', 'all.zip')
OUT = os.path.join(HERE, 'vectors.generated.txt')
FROM_DATA = 320
VALID = re.compile(r'^([0-9]+:)?[A-Za-z0-9._+~^]+(-[A-Za-z0-9._+~^]+)?$')

EDGE = [
    # tilde: pre-release, sorts before everything including the end
    ('1.0~rc1', '1.0'), ('1.0~rc1', '1.0~rc2'), ('1.0~~', '1.0~'), ('1.0~', '1.0'), ('1.0~rc1', '1.0~1'),
    ('1.0~rc1-1', '1.0-1'), ('1.0-1~1', '1.0-1'), ('0.9~rc2-1.el10_0.1', '0.9-1.el10_0.1'),
    # caret: post-release snapshot, above the base version but below any further segment
    ('1.0^', '1.0'), ('1.0^git1', '1.0'), ('1.0^git1', '1.0.1'), ('1.0^git1', '1.0^git2'), ('1.0^20200101', '1.0^git1'),
    ('1.0^git1', '1.0~rc1'), ('1.0~rc1^git1', '1.0~rc1'), ('1.0~rc1^git1', '1.0'), ('1.0^a', '1.0a'), ('1.0^', '1.0^^'),
    # numeric vs alpha segments; leading zeros; segment separators
    ('1.0a', '1.0.1'), ('1.a', '1.1'), ('1.0a', '1.0'), ('1.0', '1.0.0'), ('1.01', '1.1'), ('1.001', '1.01'),
    ('1.010', '1.9'), ('1.0', '1_0'), ('1.0', '1+0'), ('1..0', '1.0'), ('1.0.', '1.0'), ('a', 'b'), ('A', 'a'),
    ('1a', '1b'), ('1aa', '1b'), ('1.2.3', '1.2.3a'), ('2.0', '2a'), ('2_0', '2.0a'), ('10', '9'), ('1.0010', '1.9'),
    ('12345678901234567890', '12345678901234567891'), ('1.12345678901234567890', '1.9'), ('abc', 'ABC'),
    ('1.0rc1', '1.0'), ('1.0rc1', '1.0.rc1'), ('5.14.0', '5.14.0.0'),
    # epochs: missing == 0; epoch beats version
    ('0:1.0-1', '1.0-1'), ('1:1.0-1', '2.0-1'), ('1:0.1-1', '0:9.9-9'), ('2:1.0-1', '10:0.1-1'), ('00:1.0', '0:1.0'),
    # releases; a missing release sorts below any release, even one starting with '~'
    ('1.0', '1.0-1'), ('1.0', '1.0-0'), ('1.0', '1.0-~1'), ('1.0', '1.0-^'), ('1:1.0', '1.0-9'), ('1.0.1', '1.0-9'),
    ('1.0-1', '1.0-2'), ('1.0-1.el9', '1.0-1.el9_1'), ('1.0-1.el9_1', '1.0-1.el9_1.1'), ('1.0-10.el8', '1.0-9.el8'),
    ('1.0-1.el8', '1.0-1.el9'), ('1.0-1.module_el8.9.0+3627+db8ec155', '1.0-1.module_el8.10.0+3858+6ad51f9f'),
    ('102.13.0-2.el8_8.alma', '102.13.0-2.el8_8'), ('115.5.0-1.el8_9.alma.1', '115.5.0-1.el8_9.alma'),
    ('3.6.5-3.el10_0.6', '3.6.5-3.el10_0.10'), ('1:0.9.0~M3-7.module_el9.6.0+148+fb6dc857', '1:0.9.0-7.module_el9.6.0+148+fb6dc857'),
]


def load_versions():
    by_pkg = {}
    with zipfile.ZipFile(DATA) as z:
        for name in sorted(z.namelist()):
            if not name.endswith('.json'):
                continue
            rec = json.loads(z.read(name))
            for aff in rec.get('affected', []):
                pkg = aff.get('package', {}).get('name')
                for rng in aff.get('ranges', []):
                    if rng.get('type') != 'ECOSYSTEM':
                        continue
                    for ev in rng.get('events', []):
                        for v in ev.values():
                            if v != '0' and VALID.match(v):
                                by_pkg.setdefault(pkg, set()).add(v)
    return by_pkg


def key(pair):
    return hashlib.sha256(f'{pair[0]} {pair[1]}'.encode()).hexdigest()


def rpm_cmp_all(pairs):
    """One rpm process for all pairs: a Lua loop over rpm.vercmp."""
    for a, b in pairs:
        for v in (a, b):
            if not VALID.match(v) or '"' in v or '%' in v:
                raise SystemExit(f'not a plain RPM version: {v!r}')
    table = ','.join(f'{{"{a}","{b}"}}' for a, b in pairs)
    lua = '%{lua: for _, p in ipairs({' + table + '}) do print(rpm.vercmp(p[1], p[2]) .. " ") end}'
    out = subprocess.run(['rpm', '--eval', lua], capture_output=True, text=True, check=True).stdout.split()
    if len(out) != len(pairs):
        raise SystemExit(f'rpm printed {len(out)} results for {len(pairs)} pairs')
    return [{'-1': '<', '0': '==', '1': '>'}[r] for r in out]


def main():
    by_pkg = load_versions()
    candidates = set()
    for pkg in sorted(by_pkg):
        vs = sorted(by_pkg[pkg])
        candidates.update(zip(vs, vs[1:]))
    chosen = sorted(candidates, key=key)[:FROM_DATA]
    chosen = [(p[1], p[0]) if int(key(p)[-1], 16) % 2 else p for p in chosen]
    pairs = EDGE + chosen
    ops = rpm_cmp_all(pairs)
    rpm_version = subprocess.run(['rpm', '--version'], capture_output=True, text=True).stdout.strip()
    lines = [
        f'# Generated by generate-vectors.py with rpm.vercmp() ({rpm_version}). Do not edit.',
        f'# {len(EDGE)} edge cases, then {len(chosen)} pairs of neighbouring versions from AlmaLinux OSV ranges.',
    ]
    lines += [f'{a} {op} {b}' for (a, b), op in zip(pairs, ops)]
    with open(OUT, 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')
    print(f'wrote {len(pairs)} vectors to {OUT}')


if __name__ == '__main__':
    main()
