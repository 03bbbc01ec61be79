# kernel/fs: the content-addressed object store (docs/storage.md).
# Portable and freestanding: the same sources build into the kernel, the
# host tool cambios-objtool, the unit tests and the fuzzer.

# In the kernel: objects, the ObjectStore contract, the RAM store, the disk
# store over the block device interface, and a RAM-backed block device.
KERNEL_SRCS += kernel/fs/blockdev.c kernel/fs/blockdev_mem.c \
	kernel/fs/object.c kernel/fs/objstore.c kernel/fs/objstore_ram.c \
	kernel/fs/objdisk_format.c kernel/fs/objstore_disk.c kernel/fs/kstore.c \
	kernel/fs/kblk.c

# Everything portable, for host builds: adds the fsck (objdisk_check.c)
# and the fault-injecting device used by tests.
FS_SRCS := kernel/fs/blockdev.c kernel/fs/blockdev_mem.c \
	kernel/fs/blockdev_fault.c kernel/fs/object.c kernel/fs/objstore.c \
	kernel/fs/objstore_ram.c kernel/fs/objdisk_format.c \
	kernel/fs/objstore_disk.c kernel/fs/objdisk_check.c \
	lib/crypto/blake3.c lib/crypto/sha512.c lib/crypto/ed25519.c

UNIT_TESTS += objstore_ram objstore_disk objstore_crash

UNIT_objstore_ram_SRCS := tests/unit/objstore_ram_test.c $(FS_SRCS)
UNIT_objstore_disk_SRCS := tests/unit/objstore_disk_test.c $(FS_SRCS)
UNIT_objstore_crash_SRCS := tests/unit/objstore_crash_test.c $(FS_SRCS)

# cambios-objtool <image> format|info|list|get|put|delete|check.  Signs
# with libsodium; the store verifies with lib/crypto.
TOOLS += cambios-objtool
TOOL_cambios-objtool_SRCS := tools/objtool/objtool.c \
	tools/objtool/blockdev_file.c tools/objtool/hostio.c $(FS_SRCS) \
	lib/klib/string_extra.c
TOOL_cambios-objtool_LIBS := -lsodium

# Mounts arbitrary images, then lists, reads, checks and writes them.
FUZZ_TARGETS += mount
FUZZ_mount_SRCS := tests/fuzz/fuzz_mount.c $(FS_SRCS)

# Benchmark for `make bench`: put/get rates on the memory device.
OBJSTORE_BENCH := $(BUILD)/host/bin/objstore_bench
$(OBJSTORE_BENCH): tools/bench/objstore_bench.c $(FS_SRCS) $(ALL_HEADERS) | deps-quiet
	@mkdir -p $(@D)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -O2 -o $@ tools/bench/objstore_bench.c $(FS_SRCS)
BENCH_DEPS += $(OBJSTORE_BENCH)
