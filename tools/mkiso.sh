#!/bin/sh
# tools/mkiso.sh KERNEL OUT.iso "CMDLINE" [MODULE[:ARGS]]...
# Make a hybrid BIOS/UEFI bootable ISO with GRUB and the multiboot2 kernel.
# Each MODULE is loaded in order; its multiboot2 string is its file name,
# then ARGS when given (e.g. user/peer.elf:spawn-only: a module the kernel
# only starts on Spawn, not at boot).
set -eu
kernel=$1 out=$2 cmdline=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/iso
mkdir -p "$root/boot/grub"
cp "$kernel" "$root/boot/kernel.elf"
{
	echo 'set timeout=0'
	echo 'set default=0'
	echo 'insmod all_video'
	echo 'menuentry "CambiOS-C" {'
	echo "	multiboot2 /boot/kernel.elf $cmdline"
	while [ $# -gt 0 ]; do
		path=${1%%:*} args=
		case $1 in *:*) args=" ${1#*:}" ;; esac
		name=$(basename "$path")
		cp "$path" "$root/boot/$name"
		echo "	module2 /boot/$name $name$args"
		shift
	done
	echo '	boot'
	echo '}'
} >"$root/boot/grub/grub.cfg"
grub-mkrescue -o "$out" "$root" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; exit 1; }
