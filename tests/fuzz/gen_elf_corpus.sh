#!/bin/sh
# tests/fuzz/gen_elf_corpus.sh - regenerate the seed corpus of the ELF
# fuzz target (tests/fuzz/corpus/elf/): tiny static executables for the
# three architectures, linker layouts the loader must accept or refuse
# (shared pages, one RWX segment), a signed one, and malformed variants.
#
#   tests/fuzz/gen_elf_corpus.sh [cambios-sign binary]
#
# Needs clang, ld.lld, llvm-strip and python3.  The signed seed uses the
# spec's well-known dev seed, whose public key fuzz_elf.c trusts.
set -eu

SIGN=${1:-build/host/bin/cambios-sign}
OUT=tests/fuzz/corpus/elf
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cat >"$TMP/prog.c" <<'C'
static const char msg[] = "CambiOS";
int counter = 1;
char scratch[100];

void _start(void)
{
	counter += msg[counter & 7];
	scratch[counter & 63] = 1;
	for (;;)
		;
}
C

# Text, then rodata and data on one page: the shared RO+RW page case.
cat >"$TMP/shared.ld" <<'LD'
SECTIONS {
	. = 0x400000 + SIZEOF_HEADERS;
	.text : { *(.text*) }
	. = ALIGN(4096);
	.rodata : { *(.rodata*) }
	.data : { *(.data*) }
	.bss : { *(.bss*) }
}
LD

# Text and data on one page: W^X on a shared page, must be refused.
cat >"$TMP/wx.ld" <<'LD'
SECTIONS {
	. = 0x400000 + SIZEOF_HEADERS;
	.text : { *(.text*) }
	.data : { *(.data*) }
	.bss : { *(.bss*) }
}
LD

build() { # arch target extra-cflags out [ld args...]
	arch=$1 target=$2 cflags=$3 out=$4
	shift 4
	clang --target="$target" $cflags -ffreestanding -nostdlib -fno-pic \
		-Os -c "$TMP/prog.c" -o "$TMP/$arch.o"
	ld.lld -static -e _start -z max-page-size=4096 -z norelro \
		--image-base=0x400000 "$@" -o "$OUT/$out" "$TMP/$arch.o"
	llvm-strip --strip-all "$OUT/$out"
}

build x86_64 x86_64-unknown-none-elf "" x86_64-valid
build aarch64 aarch64-unknown-none-elf "" aarch64-valid
build riscv64 riscv64-unknown-none-elf "-march=rv64imac -mabi=lp64 -mno-relax" \
	riscv64-valid
build x86_64 x86_64-unknown-none-elf "" x86_64-shared-ro-rw-page \
	-T "$TMP/shared.ld"
build x86_64 x86_64-unknown-none-elf "" x86_64-wx-shared-page \
	-T "$TMP/wx.ld"
build x86_64 x86_64-unknown-none-elf "" x86_64-omagic-rwx -N

printf 'ArcOS-Bootstrap-Identity-Phase0!' >"$TMP/dev.seed"
chmod 600 "$TMP/dev.seed"
"$SIGN" -q --key "$TMP/dev.seed" -o "$OUT/x86_64-signed" "$OUT/x86_64-valid"
"$SIGN" -q --key "$TMP/dev.seed" -o "$OUT/aarch64-signed" \
	"$OUT/aarch64-valid"

python3 - "$OUT" <<'PY'
import struct, sys
out = sys.argv[1]
good = open(f"{out}/x86_64-valid", "rb").read()

def put(name, data):
    open(f"{out}/{name}", "wb").write(data)

def patch(data, off, fmt, val):
    b = bytearray(data)
    struct.pack_into(fmt, b, off, val)
    return bytes(b)

phoff = struct.unpack_from("<Q", good, 32)[0]
put("bad-truncated-header", good[:40])
put("bad-truncated-phdrs", good[:phoff + 20])
put("bad-magic", b"\x7fELG" + good[4:])
put("bad-class32", patch(good, 4, "<B", 1))
put("bad-type-dyn", patch(good, 16, "<H", 3))
put("bad-phentsize", patch(good, 54, "<H", 64))
put("bad-phoff-past-end", patch(good, 32, "<Q", len(good)))
put("bad-phnum-xnum", patch(good, 56, "<H", 0xFFFF))
# First program header: offset/filesz/vaddr/memsz/flags of a PT_LOAD.
ph = phoff
while struct.unpack_from("<I", good, ph)[0] != 1:
    ph += 56
put("bad-filesz-gt-memsz", patch(good, ph + 32, "<Q", 1 << 40))
put("bad-offset-overflow", patch(good, ph + 8, "<Q", 2**64 - 8))
put("bad-kernel-space", patch(good, ph + 16, "<Q", 0xFFFFFFFF80000000))
put("bad-entry-zero", patch(good, 24, "<Q", 0))
put("bad-wx-flags", patch(good, ph + 4, "<I", 7))
signed = open(f"{out}/x86_64-signed", "rb").read()
put("bad-signed-tampered", patch(signed, 100, "<B", signed[100] ^ 1))
put("bad-signed-foreign", signed[:-72] + bytes(64) + signed[-8:])
PY
ls -l "$OUT"
