#!/bin/sh
# tests/bench/linux/fetch_linux.sh OUTDIR
# Fetch Debian's cloud kernel (cached in OUTDIR) and build an initramfs
# whose /init is the static linux_bench program.  Needs apt-get download
# (no root) and gcc with static glibc (libc6-dev).
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
cd "$out"
if [ ! -f vmlinuz ]; then
	deb=$(ls linux-image-*cloud-amd64*.deb 2>/dev/null | grep -v dbg | head -1 || true)
	if [ -z "$deb" ]; then
		# The meta package names the real image package.
		apt-get download linux-image-cloud-amd64 >/dev/null 2>&1
		meta=$(ls linux-image-cloud-amd64_*.deb | head -1)
		real=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed 's/ (.*//; s/^ *//' | grep '^linux-image-' | head -1)
		apt-get download "$real" >/dev/null 2>&1
		deb=$(ls "$real"_*.deb | head -1)
	fi
	rm -rf extract && mkdir extract
	dpkg-deb -x "$deb" extract
	cp extract/boot/vmlinuz-* vmlinuz
	rm -rf extract
fi
if [ ! -s initramfs.cpio ] || [ "$here/linux_bench.c" -nt initramfs.cpio ]; then
	rm -rf root && mkdir -p root/dev
	gcc -O2 -static -o root/init "$here/linux_bench.c"
	(cd root && echo init | cpio -o -H newc --quiet) >initramfs.tmp
	mv initramfs.tmp initramfs.cpio
	rm -rf root
fi
echo "$out/vmlinuz $out/initramfs.cpio"
