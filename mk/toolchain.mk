# Compiler and flags shared by every target.  clang + ld.lld cross-compile
# for all architectures; the host build uses the same clang.

CC      := clang
LD      := ld.lld
OBJCOPY := llvm-objcopy
NM      := llvm-nm
HOST_CC := clang

# Quiet build lines ("CC file"); V=1 shows full commands.
ifeq ($(V),1)
Q :=
say = true
else
Q := @
say = printf '  %-8s %s\n' '$(1)' '$(2)'
endif

WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Wmissing-declarations -Wundef -Wpointer-arith -Wshadow -Wvla \
	-Wimplicit-fallthrough

# Freestanding code (kernel, libs built for the kernel).  -nostdlibinc keeps
# clang's own freestanding headers (stdint.h, stddef.h, stdarg.h, stdbool.h)
# and drops the host C library's.
FREESTANDING := -std=c17 -ffreestanding -nostdlibinc -fno-common -fno-builtin \
	-fno-stack-protector -fno-pic -fno-omit-frame-pointer -g -O2 $(WARN) -I.

ARCH_CFLAGS_x86_64  := --target=x86_64-unknown-none-elf -mcmodel=kernel \
	-mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-80387 -msoft-float \
	-DCAMBIOS_ARCH_INLINE='"kernel/arch/x86_64/inline.h"'
ARCH_CFLAGS_aarch64 := --target=aarch64-unknown-none-elf -mgeneral-regs-only
ARCH_CFLAGS_riscv64 := --target=riscv64-unknown-none-elf -march=rv64imac \
	-mabi=lp64 -mcmodel=medany -mno-relax

KERNEL_CFLAGS = $(FREESTANDING) $(ARCH_CFLAGS_$(ARCH))

# Host code (unit tests, tools).
HOST_CFLAGS := -std=c17 -g -O1 $(WARN) -Wno-missing-prototypes \
	-Wno-missing-declarations -I. -D_DEFAULT_SOURCE -DCAMBIOS_HOST=1
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
