# kernel/loader: ELF parser/verifier, page planner, ARCSIG signature check;
# the host tools that make and check signed binaries; their tests.

# The kernel links lib/crypto (blake3, sha512, ed25519) for arcsig.c: the
# crypto fragment lists those in KERNEL_SRCS.
KERNEL_SRCS += kernel/loader/elf.c kernel/loader/arcsig.c \
	kernel/loader/verify.c

LOADER_HOST_CRYPTO := lib/crypto/blake3.c lib/crypto/sha512.c \
	lib/crypto/ed25519.c

UNIT_TESTS += elf arcsig
UNIT_elf_SRCS := tests/unit/elf_test.c kernel/loader/elf.c
UNIT_arcsig_SRCS := tests/unit/arcsig_test.c kernel/loader/arcsig.c \
	kernel/loader/elf.c kernel/loader/verify.c $(LOADER_HOST_CRYPTO) \
	lib/klib/string_extra.c

TOOLS += cambios-keygen cambios-sign cambios-b3sum
TOOL_cambios-keygen_SRCS := tools/keygen/keygen.c tools/sign/keyfile.c \
	lib/klib/string_extra.c
TOOL_cambios-keygen_LIBS := -lsodium
TOOL_cambios-sign_SRCS := tools/sign/sign.c tools/sign/keyfile.c \
	kernel/loader/arcsig.c kernel/loader/elf.c $(LOADER_HOST_CRYPTO) \
	lib/klib/string_extra.c
TOOL_cambios-sign_LIBS := -lsodium
TOOL_cambios-b3sum_SRCS := tools/b3sum/b3sum.c lib/crypto/blake3.c

FUZZ_TARGETS += elf
FUZZ_elf_SRCS := tests/fuzz/fuzz_elf.c kernel/loader/elf.c \
	kernel/loader/arcsig.c kernel/loader/verify.c $(LOADER_HOST_CRYPTO) \
	lib/klib/string_extra.c

# End-to-end test of the three tools (pytest; also run by `make test`,
# which runs everything under tests/host).
LOADER_TOOL_BINS := $(BUILD)/host/bin/cambios-keygen \
	$(BUILD)/host/bin/cambios-sign $(BUILD)/host/bin/cambios-b3sum

.PHONY: test-loader-tools
test-loader-tools: $(LOADER_TOOL_BINS)
	CAMBIOS_BUILD=$(BUILD) $(PYTHON) -m pytest -q -p no:cacheprovider \
		tests/host/test_loader_tools.py

# Signing keys for the image build (docs/security.md, "Keys").  By default
# a dev key is generated on first use and kept under $(BUILD)/keys, out of
# git.  Use another key with SIGN_KEY=/path/to/seed (removable media), or a
# hardware token with SIGN_EXTERNAL='<cmd>' SIGN_PUB=<pubkey file or hex>.
# BOOTSTRAP_PUBKEY is the raw 32-byte key the kernel embeds; SIGN_ARGS are
# the cambios-sign arguments that sign a binary with the matching key.
DEV_SIGN_SEED := $(BUILD)/keys/dev-signing.seed
BOOTSTRAP_PUBKEY := $(BUILD)/keys/bootstrap_pubkey.bin
SIGN_KEY ?= $(DEV_SIGN_SEED)
ifdef SIGN_EXTERNAL
SIGN_ARGS = --external-signer '$(SIGN_EXTERNAL)' --pub $(SIGN_PUB)
LOADER_PUB_SOURCE := --pub $(SIGN_PUB)
LOADER_PUB_DEPS :=
else
SIGN_ARGS = --key $(SIGN_KEY)
LOADER_PUB_SOURCE := --key $(SIGN_KEY)
LOADER_PUB_DEPS := $(SIGN_KEY)
endif

$(DEV_SIGN_SEED): | $(BUILD)/host/bin/cambios-keygen
	@mkdir -p $(@D) && chmod 700 $(@D)
	$(BUILD)/host/bin/cambios-keygen $@

$(BOOTSTRAP_PUBKEY): $(LOADER_PUB_DEPS) | $(BUILD)/host/bin/cambios-sign
	@mkdir -p $(@D)
	$(BUILD)/host/bin/cambios-sign --export-pub $@ $(LOADER_PUB_SOURCE)
