#!/bin/sh
# Regenerate the seed corpus of the mount fuzzer (tests/fuzz/fuzz_mount.c)
# with cambios-objtool.  Each seed is a control byte followed by the used
# prefix of a 64-block image (trailing zero blocks are implied).
#   usage: tests/fuzz/gen_mount_corpus.sh [build/host/bin/cambios-objtool]
set -eu
cd "$(dirname "$0")/../.."
TOOL=${1:-build/host/bin/cambios-objtool}
OUT=tests/fuzz/corpus/mount
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A fixed key, so the corpus is reproducible.
printf '%064d\n' 7 >"$TMP/key"
printf 'hello, object store\n' >"$TMP/a"
head -c 4096 /dev/zero | tr '\0' 'z' >"$TMP/big"
printf 'short-lived\n' >"$TMP/gone"

"$TOOL" "$TMP/img" format --blocks 64 >/dev/null
"$TOOL" "$TMP/img" put "$TMP/a" --key "$TMP/key" >/dev/null
"$TOOL" "$TMP/img" put "$TMP/big" --unsigned >/dev/null
gone=$("$TOOL" "$TMP/img" put "$TMP/gone" --unsigned)
"$TOOL" "$TMP/img" delete "$gone" >/dev/null
"$TOOL" "$TMP/img" check >/dev/null
# One more read-write mount (an idempotent put): only the generation moves.
cp "$TMP/img" "$TMP/prev"
"$TOOL" "$TMP/img" put "$TMP/a" --key "$TMP/key" >/dev/null

/usr/bin/python3 - "$TMP" "$OUT" <<'PY'
import sys
tmp, out = sys.argv[1], sys.argv[2]
B = 4096
img = bytearray(open(f"{tmp}/img", "rb").read())
prev = open(f"{tmp}/prev", "rb").read()

def seed(name, ctl, data):
    data = bytes(data)
    while len(data) >= B and not any(data[-B:]):
        data = data[:-B]
    open(f"{out}/{name}", "wb").write(bytes([ctl]) + data)

seed("valid", 0x00, img)
seed("valid-readonly", 0x10, img)
seed("valid-256-blocks", 0x03, img)
seed("blank", 0x00, b"")
# Slot 0 duplicated into slot 3 (LBAs 7 and 8).
dup = bytearray(img); dup[7*B:9*B] = img[1*B:3*B]
seed("duplicate", 0x00, dup)
# sig_algo 5 in slot 1's header; resealed by the target (ctl bit 3).
bad = bytearray(img); bad[3*B + 108] = 5
seed("malformed-resealed", 0x08, bad)
# Superblock torn while a mount bumped the generation: new prefix, old rest.
torn = bytearray(img); torn[0:B] = img[0:24] + prev[24:B]
seed("torn-superblock", 0x00, torn)
# Slot 0 given lineage and two ACL entries, resealed: the entry decoders.
acl = bytearray(img); h = 1 * B
acl[h + 109] = 1
acl[h + 184:h + 216] = b"\x33" * 32
acl[h + 110] = 2
acl[h + 216:h + 248] = b"\x44" * 32
acl[h + 248:h + 256] = (1000).to_bytes(8, "little")
acl[h + 256] = 3
acl[h + 260:h + 292] = b"\x55" * 32
acl[h + 300] = 7
seed("acl-lineage-resealed", 0x08, acl)
# Version 2, resealed: -EVERSION.
ver = bytearray(img); ver[8] = 2
seed("version2", 0x04, ver)
PY
ls -l "$OUT"
