#!/bin/sh
# tools/check_style.sh - rules the compiler cannot check.
#  1. Portable kernel code never includes an architecture's own headers.
#  2. No architecture #ifdefs in portable kernel code.
#  3. Freestanding code never includes C library headers other than the
#     compiler's own freestanding ones.
set -u
status=0
portable=$(find kernel lib abi -name '*.[ch]' -not -path 'kernel/arch/*')

bad=$(grep -nE '#include "kernel/arch/(x86_64|aarch64|riscv64)/' $portable)
if [ -n "$bad" ]; then
	echo "check-style: portable code includes an architecture header:"
	echo "$bad"
	status=1
fi
bad=$(grep -nE '#if(def|ndef)?.*(__x86_64__|__aarch64__|__riscv|CAMBIOS_ARCH_)' $portable)
if [ -n "$bad" ]; then
	echo "check-style: architecture #ifdef in portable code:"
	echo "$bad"
	status=1
fi
allowed='stdint.h|stddef.h|stdbool.h|stdarg.h|stdalign.h|stdnoreturn.h|limits.h'
bad=$(grep -nE '#include <' $portable $(find kernel/arch -name '*.[ch]') |
	grep -vE "<($allowed)>" | grep -v 'CAMBIOS_HOST')
if [ -n "$bad" ]; then
	echo "check-style: freestanding code includes a hosted header:"
	echo "$bad"
	status=1
fi
[ $status -eq 0 ] && echo "check-style: ok"
exit $status
