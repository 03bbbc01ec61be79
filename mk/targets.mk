# Build products and the commands of the README.

KDIR        := $(BUILD)/$(ARCH)
KERNEL_ELF  := $(KDIR)/kernel.elf
ISO         := $(KDIR)/cambios.iso
KERNEL_OBJS := $(patsubst %,$(KDIR)/obj/%.o,$(KERNEL_SRCS) $(ARCH_SRCS_$(ARCH))) \
	$(KDIR)/gen/bootstrap_key.o
RUN_MEM     ?= 512M
RUN_SMP     ?= 1
RUN_CMDLINE ?=
QEMU_x86_64 := qemu-system-x86_64
QEMU_COMMON := -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

UNIT_BINS := $(patsubst %,$(BUILD)/host/unit/%,$(UNIT_TESTS))
TOOL_BINS := $(patsubst %,$(BUILD)/host/bin/%,$(TOOLS))
FUZZ_BINS := $(patsubst %,$(BUILD)/host/fuzz/%,$(FUZZ_TARGETS))

$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_template,$(t))))
$(foreach t,$(TOOLS),$(eval $(call TOOL_template,$(t))))
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_template,$(t))))

.PHONY: all kernel iso unit tools fuzz-build run test bench check-all \
	check-style debug compdb fuzz clean help

all: kernel iso tools compdb

kernel: $(KERNEL_ELF)
iso: $(ISO)
unit: $(UNIT_BINS)
tools: $(TOOL_BINS)
fuzz-build: $(FUZZ_BINS)

# --- kernel -----------------------------------------------------------
$(KDIR)/obj/%.c.o: %.c | deps-quiet
	@mkdir -p $(@D)
	@$(call say,CC,$<)
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(KDIR)/obj/%.S.o: %.S | deps-quiet
	@mkdir -p $(@D)
	@$(call say,AS,$<)
	$(Q)$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

-include $(KERNEL_OBJS:.o=.d)

KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	-T $(ARCH_LDSCRIPT_$(ARCH))

# Two links: the second adds the symbol table of the first (kernel/core/
# ksyms.h).  The table lives after .text, so text symbols keep their
# addresses; the recipe checks that they do.
$(KDIR)/kernel.pass1.elf: $(KERNEL_OBJS) $(ARCH_LDSCRIPT_$(ARCH))
	@$(call say,LD,$@)
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)

$(KDIR)/ksyms.S: $(KDIR)/kernel.pass1.elf tools/gen_ksyms.py
	@$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/gen_ksyms.py $(NM) $< $@

$(KDIR)/ksyms.o: $(KDIR)/ksyms.S
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_ELF): $(KDIR)/kernel.pass1.elf $(KDIR)/ksyms.o
	@$(call say,LD,$@)
	$(Q)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KDIR)/ksyms.o
	@$(NM) -n --defined-only $(KDIR)/kernel.pass1.elf | grep ' [tT] ' >$@.s1
	@$(NM) -n --defined-only $@ | grep ' [tT] ' >$@.s2
	@cmp -s $@.s1 $@.s2 || { echo "ksyms: text symbols moved between links"; diff $@.s1 $@.s2 | head; rm -f $@; exit 1; }
	@rm -f $@.s1 $@.s2

# Boot modules of `make run`, in boot order (signed user programs).
# The boot chain of docs/services.md, in dependency order; each module
# releases the next with ModuleReady.
RUN_MODULES ?= policy-service key-store fs-service virtio-blk compositor shell
# The disk the objects live on: created and formatted (64 MiB, 4096
# slots) by cambios-objtool on the first `make run`, kept across runs.
RUN_DISK ?= $(BUILD)/disk.img
RUN_DRIVE = -drive file=$(RUN_DISK),if=none,id=disk0,format=raw \
	-device virtio-blk-pci,drive=disk0
RUN_MODULE_FILES = $(patsubst %,$(KDIR)/user/%.elf,$(RUN_MODULES))

$(ISO): $(KERNEL_ELF) tools/mkiso.sh $(RUN_MODULE_FILES)
	@$(call say,ISO,$@)
	$(Q)tools/mkiso.sh $(KERNEL_ELF) $@ "$(RUN_CMDLINE)" $(RUN_MODULE_FILES)

# The Bootstrap Principal: the public half of the signing key, compiled in.
$(KDIR)/gen/bootstrap_key.c: $(BOOTSTRAP_PUBKEY) tools/gen_key_c.py
	@mkdir -p $(@D)
	@$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/gen_key_c.py $< $@

$(KDIR)/gen/bootstrap_key.o: $(KDIR)/gen/bootstrap_key.c
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

# --- the two commands ------------------------------------------------------
$(RUN_DISK): | $(BUILD)/host/bin/cambios-objtool
	@echo "Creating the object store disk $@ (64 MiB)"
	$(Q)$(BUILD)/host/bin/cambios-objtool $@ format --blocks 16384

run: deps-quiet $(ISO) $(RUN_DISK)
	@echo "Booting CambiOS-C in QEMU ($(RUN_MEM), $(RUN_SMP) CPU, disk $(RUN_DISK)). Quit: Ctrl-A then X."
	$(QEMU_x86_64) -cdrom $(ISO) -m $(RUN_MEM) -smp $(RUN_SMP) $(QEMU_COMMON) \
		$(RUN_DRIVE)

test: deps-quiet $(UNIT_BINS) $(FUZZ_BINS) $(TOOL_BINS) $(ISO) \
		$(USER_PROGS_$(ARCH))
	$(PYTHON) tests/run_tests.py --build $(BUILD) --arch $(ARCH) \
		--fuzz-seconds $(FUZZ_SMOKE_SECONDS) \
		--unit $(UNIT_TESTS) --fuzz $(FUZZ_TARGETS)

fuzz: deps-quiet $(FUZZ_BINS)
	$(PYTHON) tests/run_tests.py --build $(BUILD) --arch $(ARCH) \
		--fuzz-seconds $(FUZZ_SECONDS) --only-fuzz --fuzz $(FUZZ_TARGETS)

bench: deps-quiet $(ISO) $(BENCH_DEPS) $(USER_PROGS_$(ARCH)) $(TOOL_BINS)
	$(PYTHON) tests/bench/bench.py --build $(BUILD) --arch $(ARCH)

# --- checks ----------------------------------------------------------------
CHECK_ARCHES := x86_64 aarch64 riscv64
CHECK_OBJS := $(foreach a,$(CHECK_ARCHES),$(patsubst %,$(BUILD)/check/$(a)/%.o,$(filter %.c,$(KERNEL_SRCS))))

define CHECK_template
$(BUILD)/check/$(1)/%.c.o: %.c | deps-quiet
	@mkdir -p $$(@D)
	@$$(call say,CC $(1),$$<)
	$$(Q)$$(CC) $$(FREESTANDING) $$(ARCH_CFLAGS_$(1)) -c $$< -o $$@
endef
$(foreach a,$(CHECK_ARCHES),$(eval $(call CHECK_template,$(a))))

check-all: check-style $(CHECK_OBJS)
	@echo "check-all: $(words $(filter %.c,$(KERNEL_SRCS))) portable sources compile for $(CHECK_ARCHES)"

check-style:
	@tools/check_style.sh

# --- developer aids --------------------------------------------------------
debug: deps-quiet $(ISO)
	@echo "QEMU waits for GDB on :1234; gdb loads symbols from $(KERNEL_ELF)."
	$(QEMU_x86_64) -cdrom $(ISO) -m $(RUN_MEM) -smp $(RUN_SMP) \
		-serial file:$(KDIR)/debug-serial.log -display none -no-reboot \
		-s -S -daemonize -pidfile $(KDIR)/qemu-debug.pid
	gdb -q -x tools/gdb/cambios.gdb $(KERNEL_ELF); \
		kill $$(cat $(KDIR)/qemu-debug.pid) 2>/dev/null; true

compdb: compile_commands.json
compile_commands.json: $(MAKEFILE_LIST)
	@$(PYTHON) tools/gen_compdb.py --out $@ --root $(CURDIR) \
		--kernel-flags "$(KERNEL_CFLAGS)" \
		--kernel-srcs "$(KERNEL_SRCS) $(ARCH_SRCS_$(ARCH))" \
		--host-flags "$(HOST_CFLAGS)" \
		--host-srcs "$(foreach t,$(UNIT_TESTS),$(UNIT_$(t)_SRCS)) $(foreach t,$(TOOLS),$(TOOL_$(t)_SRCS))"

clean:
	rm -rf $(BUILD) compile_commands.json

help:
	@echo "make run        build and boot CambiOS-C in QEMU (serial console here)"
	@echo "make test       all tests: unit (ASan+UBSan), fuzz smoke, QEMU boots"
	@echo "make bench      benchmarks (boot time, later IPC and crypto)"
	@echo "make check-all  portable kernel sources compile for aarch64 and riscv64"
	@echo "make debug      QEMU paused for GDB, with symbols loaded"
	@echo "make fuzz       run the fuzz targets for FUZZ_SECONDS each"
	@echo "make compdb     compile_commands.json for clangd"
	@echo "make deps       install missing Debian packages"
	@echo "make clean      remove $(BUILD)/"
