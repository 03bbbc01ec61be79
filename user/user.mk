# user/user.mk: libsys, the user programs and their signing, and the unit
# tests of the ABI table and libsys.  Include it after the kernel fragments
# (it uses kernel/loader/loader.mk's signing tool, SIGN_ARGS and key rule)
# and before mk/targets.mk (it adds UNIT_TESTS).
#
# Products, for each architecture A in USER_ARCHES:
#   $(BUILD)/A/user/<prog>.elf            signed program: what the ISO loads
#   $(BUILD)/A/user/unsigned/<prog>.elf   the same, unsigned, with debug info
#   $(BUILD)/A/user/libsys.a              the library
#   USER_PROGS_A                          list of the signed programs
# `make user` builds USER_PROGS_$(ARCH).

ifndef DEV_SIGN_SEED
$(error user/user.mk: include it after kernel/loader/loader.mk)
endif

USER_ARCHES := x86_64

# Code model small: programs live at 0x40_0000, far below 2 GiB.  No
# SSE/x87 until the kernel saves FPU state on context switches; the red
# zone would be safe (the CPU switches stacks on entry from ring 3) but
# costs nothing to leave off.
USER_CFLAGS_x86_64 := --target=x86_64-unknown-none-elf -mcmodel=small \
	-mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-80387 -msoft-float
USER_CFLAGS := $(FREESTANDING) -ffunction-sections -fdata-sections \
	-fno-asynchronous-unwind-tables -fno-unwind-tables
USER_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--gc-sections -T lib/libsys/user.ld
USER_AR := llvm-ar
USER_SIGN := $(BUILD)/host/bin/cambios-sign
# The seed file signing reads, unless an external signer does the work.
USER_SIGN_DEPS := $(if $(SIGN_EXTERNAL),,$(SIGN_KEY))

# --- lib/libsys --------------------------------------------------------------
# Portable sources, with the freestanding string and format code of klib
# compiled for user space.
LIBSYS_SRCS := \
	lib/libsys/error.c \
	lib/libsys/print.c \
	lib/libsys/recv.c \
	lib/libsys/syscalls.c \
	lib/klib/fmt.c \
	lib/klib/string.c \
	lib/klib/string_extra.c
LIBSYS_SRCS_x86_64 := lib/libsys/arch/x86_64/cycles.c
LIBSYS_CRT0_x86_64 := lib/libsys/arch/x86_64/crt0.S

# --- user programs -----------------------------------------------------------
USER_PROGS := hello hello_quiet spinner hog yielder fault_null fault_rodata \
	fault_kjump fault_badsys spawn_loop bench_syscall bench_yield \
	audit_tail
USER_hello_SRCS := user/hello/hello.c
USER_hello_quiet_SRCS := user/hello/hello_quiet.c
USER_spinner_SRCS := user/tests/spinner.c
USER_hog_SRCS := user/tests/hog.c
USER_yielder_SRCS := user/tests/yielder.c
USER_fault_null_SRCS := user/tests/fault_null.c
USER_fault_rodata_SRCS := user/tests/fault_rodata.c
USER_fault_kjump_SRCS := user/tests/fault_kjump.c
USER_fault_badsys_SRCS := user/tests/fault_badsys.c
USER_spawn_loop_SRCS := user/tests/spawn_loop.c
USER_bench_syscall_SRCS := user/tests/bench_syscall.c
USER_bench_yield_SRCS := user/tests/bench_yield.c
USER_audit_tail_SRCS := user/audit_tail/audit_tail.c
USER_PROGS += bench_ipc bench_ipc_peer
USER_bench_ipc_SRCS := user/tests/bench_ipc.c
USER_bench_ipc_peer_SRCS := user/tests/bench_ipc_peer.c
USER_PROGS += ipc_test ipc_peer obj_test
USER_ipc_test_SRCS := user/tests/ipc_test.c
USER_ipc_peer_SRCS := user/tests/ipc_peer.c
USER_obj_test_SRCS := user/tests/obj_test.c
USER_PROGS += dev_probe irq_thief dma_guard_low dma_guard_high
USER_dev_probe_SRCS := user/tests/dev_probe.c
USER_irq_thief_SRCS := user/tests/irq_thief.c
USER_dma_guard_low_SRCS := user/tests/dma_guard.c
USER_dma_guard_high_SRCS := user/tests/dma_guard_high.c
USER_PROGS += shell
USER_shell_SRCS := user/shell/shell.c user/shell/line.c user/shell/info.c \
	user/shell/arcobj.c
# virtio-blk: the block driver service (docs/virtio-blk.md) and a client.
USER_PROGS += virtio-blk blk_client
USER_virtio-blk_SRCS := user/virtio_blk/main.c user/virtio_blk/vblk.c \
	user/virtio_blk/service.c
USER_blk_client_SRCS := user/tests/blk_client.c

# --- services of the boot chain (docs/services.md) ---------------------------
# The key store's object-signing key, provisioned at build time (degraded
# mode: the kernel holds no secret to hand it).  Generated once per build
# tree, like the dev signing key; its public half is exported for the
# host tests and cambios-objtool.
OBJSIGN_SEED := $(BUILD)/keys/object-signing.seed
OBJSIGN_PUB := $(BUILD)/keys/object-signing.pub
OBJSIGN_C := $(BUILD)/gen/keystore_seed.c

$(OBJSIGN_SEED): | $(BUILD)/host/bin/cambios-keygen
	@mkdir -p $(@D) && chmod 700 $(@D)
	$(Q)$(BUILD)/host/bin/cambios-keygen $@ --pub $(OBJSIGN_PUB)

$(OBJSIGN_PUB): $(OBJSIGN_SEED)

$(OBJSIGN_C): $(OBJSIGN_SEED) tools/gen_key_c.py
	@mkdir -p $(@D)
	@$(call say,GEN,$@)
	$(Q)$(PYTHON) tools/gen_key_c.py $< $@ keystore_provisioned_seed \
		"the key store's build-provisioned object-signing seed"

USER_PROGS += key-store fs-service
USER_key-store_SRCS := user/keystore/keystore.c user/keystore/ks_proto.c \
	lib/crypto/ed25519.c lib/crypto/sha512.c $(OBJSIGN_C)
USER_fs-service_SRCS := user/fs/fs.c user/fs/fs_proto.c
USER_PROGS += obj_intruder put_stream
USER_put_stream_SRCS := user/tests/put_stream.c
USER_PROGS += bench_obj
USER_bench_obj_SRCS := user/tests/bench_obj.c
USER_obj_intruder_SRCS := user/tests/obj_intruder.c lib/crypto/blake3.c

UNIT_TESTS += services
UNIT_services_SRCS := tests/unit/services_test.c user/keystore/ks_proto.c \
	user/fs/fs_proto.c lib/crypto/ed25519.c lib/crypto/sha512.c

# The compositor (docs/compositor.md): the program, its test client,
# fb-demo, and the host tests of its portable protocol and state machine.
COMPOSITOR_SRCS := user/compositor/proto.c user/compositor/core.c
USER_PROGS += compositor comp_client fb-demo
USER_compositor_SRCS := user/compositor/compositor.c $(COMPOSITOR_SRCS)
USER_comp_client_SRCS := user/tests/comp_client.c user/compositor/proto.c
USER_fb-demo_SRCS := user/tests/fb_demo.c
UNIT_TESTS += scanout_proto compositor_core
UNIT_scanout_proto_SRCS := tests/unit/scanout_proto_test.c \
	user/compositor/proto.c
UNIT_compositor_core_SRCS := tests/unit/compositor_core_test.c \
	$(COMPOSITOR_SRCS)

# --- the policy service (docs/policy.md) and its boot-test programs --------
USER_PROGS += policy-service policy_probe policy_admin
USER_policy-service_SRCS := user/policy/policy_service.c \
	user/policy/policy_table.c user/policy/builtin_table.c \
	kernel/policy/policy_msg.c
USER_policy_probe_SRCS := user/tests/policy_probe.c
USER_policy_admin_SRCS := user/tests/policy_admin.c \
	kernel/policy/policy_msg.c

# $(1) = architecture: compile rules, libsys.a, the program list.
define USER_ARCH_template
UDIR_$(1) := $(BUILD)/$(1)/user
LIBSYS_OBJS_$(1) := $$(patsubst %,$(BUILD)/$(1)/user/obj/%.o,\
	$(LIBSYS_SRCS) $(LIBSYS_SRCS_$(1)))
CRT0_OBJ_$(1) := $(BUILD)/$(1)/user/obj/$(LIBSYS_CRT0_$(1)).o
USER_PROGS_$(1) := $$(patsubst %,$(BUILD)/$(1)/user/%.elf,$(USER_PROGS))

$(BUILD)/$(1)/user/obj/%.c.o: %.c | deps-quiet
	@mkdir -p $$(@D)
	@$$(call say,CC $(1),$$<)
	$$(Q)$$(CC) $$(USER_CFLAGS) $$(USER_CFLAGS_$(1)) \
		-Ilib/libsys/arch/$(1) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/user/obj/%.S.o: %.S | deps-quiet
	@mkdir -p $$(@D)
	@$$(call say,AS $(1),$$<)
	$$(Q)$$(CC) $$(USER_CFLAGS) $$(USER_CFLAGS_$(1)) \
		-Ilib/libsys/arch/$(1) -MMD -MP -c $$< -o $$@

$(BUILD)/$(1)/user/libsys.a: $$(LIBSYS_OBJS_$(1))
	@$$(call say,AR,$$@)
	$$(Q)rm -f $$@ && $$(USER_AR) rcs $$@ $$^
endef

# $(1) = architecture, $(2) = program: link, then strip and sign.
define USER_PROG_template
USER_OBJS_$(1)_$(2) := $$(patsubst %,$(BUILD)/$(1)/user/obj/%.o,\
	$$(USER_$(2)_SRCS))

$(BUILD)/$(1)/user/unsigned/$(2).elf: $$(CRT0_OBJ_$(1)) \
		$$(USER_OBJS_$(1)_$(2)) $(BUILD)/$(1)/user/libsys.a \
		lib/libsys/user.ld
	@mkdir -p $$(@D)
	@$$(call say,LD,$$@)
	$$(Q)$$(LD) $$(USER_LDFLAGS) -o $$@ $$(CRT0_OBJ_$(1)) \
		$$(USER_OBJS_$(1)_$(2)) $(BUILD)/$(1)/user/libsys.a

# cambios-sign also runs the kernel loader's ELF checks, so a program the
# loader would refuse fails here, at build time.
$(BUILD)/$(1)/user/$(2).elf: $(BUILD)/$(1)/user/unsigned/$(2).elf \
		$$(USER_SIGN_DEPS) | $$(USER_SIGN)
	@$$(call say,SIGN,$$@)
	$$(Q)$$(OBJCOPY) --strip-debug $$< $$@.tmp
	$$(Q)$$(USER_SIGN) $$(SIGN_ARGS) -q -o $$@ $$@.tmp
	$$(Q)rm -f $$@.tmp
endef

$(foreach a,$(USER_ARCHES),$(eval $(call USER_ARCH_template,$(a))))
$(foreach a,$(USER_ARCHES),$(foreach p,$(USER_PROGS),\
	$(eval $(call USER_PROG_template,$(a),$(p)))))

-include $(foreach a,$(USER_ARCHES),$(patsubst %.o,%.d,$(LIBSYS_OBJS_$(a)) \
	$(CRT0_OBJ_$(a)) $(foreach p,$(USER_PROGS),$(USER_OBJS_$(a)_$(p)))))

.PHONY: user
user: $(USER_PROGS_$(ARCH))

# --- cambios-urun ------------------------------------------------------------
# Runs a user program natively on a Linux x86_64 host under ptrace, with
# a model of the syscalls (tools/urun/urun.c): tests user programs and
# libsys before, and independently of, the kernel.
ifeq ($(shell uname -m),x86_64)
TOOLS += cambios-urun
TOOL_cambios-urun_SRCS := tools/urun/urun.c tools/urun/ipc.c \
	lib/crypto/blake3.c
endif

# --- unit tests --------------------------------------------------------------
# abi: the syscall table's invariants and every ABI record layout.
# libsys: the portable library against a fake syscall instruction
# (tests/unit/libsys_fake/syscall.h): marshalling, arity, printf
# splitting, verified receive.  libsys_fake/rename.h renames libsys's
# printf/puts/snprintf/strerror so they do not replace the host C
# library's inside the test binary.
UNIT_TESTS += abi libsys
UNIT_abi_SRCS := tests/unit/abi_test.c
UNIT_libsys_SRCS := tests/unit/libsys_test.c lib/libsys/syscalls.c \
	lib/libsys/print.c lib/libsys/recv.c lib/libsys/error.c lib/klib/fmt.c
UNIT_libsys_CFLAGS := -Itests/unit/libsys_fake \
	-include tests/unit/libsys_fake/rename.h
# virtio-blk's portable core and protocol against a simulated device.
UNIT_TESTS += virtio_blk_core virtio_blk_service
UNIT_virtio_blk_core_SRCS := tests/unit/virtio_blk_core_test.c \
	tests/unit/virtio_blk_sim.c user/virtio_blk/vblk.c
UNIT_virtio_blk_service_SRCS := tests/unit/virtio_blk_service_test.c \
	tests/unit/virtio_blk_sim.c user/virtio_blk/vblk.c \
	user/virtio_blk/service.c
UNIT_TESTS += virtio_blk_modern
UNIT_virtio_blk_modern_SRCS := tests/unit/virtio_blk_modern_test.c \
	tests/unit/virtio_blk_sim.c user/virtio_blk/vblk.c


UNIT_TESTS += policy_table
UNIT_policy_table_SRCS := tests/unit/policy_table_test.c \
	user/policy/policy_table.c user/policy/builtin_table.c
