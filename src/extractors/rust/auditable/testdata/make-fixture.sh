#!/bin/sh
# Builds happy/auditable.elf: cargo-auditable is not installable here (no crates.io access), so a
# tiny C program gets a `.dep-v0` section holding zlib-compressed JSON in cargo-auditable's format
# (https://github.com/rust-secure-code/cargo-auditable/blob/master/PARAMETERS.md and the
# auditable-serde schema), added with binutils' objcopy — the same section cargo-auditable's
# linker step writes. sad/bad-zlib.elf carries a `.dep-v0` section that is not zlib data.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int main(void){return 0;}\n' > "$tmp/t.c"
gcc -Os -s -o "$tmp/t" "$tmp/t.c"
node -e '
const json = {"packages":[
 {"name":"myapp","version":"0.1.0","source":"local","dependencies":[1,2,3],"root":true},
 {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
 {"name":"libc","version":"0.2.147","source":"crates.io"},
 {"name":"serde","version":"1.0.188","source":"crates.io","dependencies":[4]},
 {"name":"forked","version":"0.2.0","source":"git"}
]};
require("fs").writeFileSync(process.argv[1], require("zlib").deflateSync(JSON.stringify(json)));
require("fs").writeFileSync(process.argv[2], "definitely not zlib");
' "$tmp/dep" "$tmp/bad"
objcopy --add-section .dep-v0="$tmp/dep" "$tmp/t" happy/auditable.elf
objcopy --add-section .dep-v0="$tmp/bad" "$tmp/t" sad/bad-zlib.elf
cp "$tmp/t" sad/plain.elf
