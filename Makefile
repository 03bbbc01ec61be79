# CambiOS-C top-level Makefile.
#
# One Makefile; every subsystem lists its files in a fragment (*.mk) that
# this file includes.  ARCH picks the kernel architecture fragment.
#
#   make run        build and boot in QEMU with the console on this terminal
#   make test       every test: host unit tests, fuzz smoke runs, QEMU boots
#   make help       all other targets

ARCH    ?= x86_64
BUILD   ?= build
# Debian's python3 carries pytest and pexpect from apt (make deps).
PYTHON  ?= /usr/bin/python3

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

include mk/toolchain.mk
include mk/host.mk

# Subsystem fragments.  Each appends to:
#   KERNEL_SRCS      portable kernel and library sources linked into the kernel
#   ARCH_SRCS_<arch> sources of one architecture (kernel/arch/<arch>/arch.mk)
#   UNIT_TESTS       host unit tests (see UNIT_template in mk/host.mk)
#   TOOLS            host programs (see TOOL_template)
#   FUZZ_TARGETS     libFuzzer targets (see mk/fuzz.mk)
include lib/klib/klib.mk
include $(sort $(wildcard lib/crypto/*.mk kernel/*.mk kernel/*/*.mk tools/*.mk))
# User programs: after kernel/loader/loader.mk, whose signing rules they use.
include user/user.mk
include kernel/arch/$(ARCH)/arch.mk
include mk/fuzz.mk
include mk/targets.mk
