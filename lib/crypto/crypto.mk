# lib/crypto: BLAKE3, SHA-512 and Ed25519.  Freestanding: the same sources
# build for the kernel (all three architectures), user programs and the host.

KERNEL_SRCS += lib/crypto/blake3.c lib/crypto/sha512.c lib/crypto/ed25519.c

# For host tools and tests that use the crypto.  The BLAKE3 SIMD path
# (SSE4.1/AVX2/AVX-512, picked at run time) is opt-in: add both of the
# CRYPTO_SIMD_* variables, or neither (then the portable code is used).
# They are empty on hosts other than x86_64.
CRYPTO_SRCS := lib/crypto/blake3.c lib/crypto/sha512.c lib/crypto/ed25519.c
ifeq ($(shell uname -m),x86_64)
CRYPTO_SIMD_SRCS := lib/crypto/blake3_x86.c
CRYPTO_SIMD_CFLAGS := -DBLAKE3_SIMD=1
else
CRYPTO_SIMD_SRCS :=
CRYPTO_SIMD_CFLAGS :=
endif

UNIT_TESTS += crypto_blake3 crypto_sha512 crypto_ed25519

UNIT_crypto_blake3_SRCS := tests/unit/crypto_blake3_test.c \
	lib/crypto/blake3.c $(CRYPTO_SIMD_SRCS) lib/klib/string_extra.c
UNIT_crypto_blake3_CFLAGS := $(CRYPTO_SIMD_CFLAGS)

UNIT_crypto_sha512_SRCS := tests/unit/crypto_sha512_test.c \
	lib/crypto/sha512.c lib/klib/string_extra.c
UNIT_crypto_sha512_LIBS := -lsodium

# -O2: 10,000 differential rounds against libsodium under ASan.
UNIT_crypto_ed25519_SRCS := tests/unit/crypto_ed25519_test.c \
	lib/crypto/ed25519.c lib/crypto/sha512.c lib/klib/string_extra.c
UNIT_crypto_ed25519_CFLAGS := -O2
UNIT_crypto_ed25519_LIBS := -lsodium

# Benchmark: BLAKE3 against b3sum, Ed25519 against libsodium.  Optimised,
# no sanitizers.  `make crypto-bench` builds and runs it.
CRYPTO_BENCH := $(BUILD)/host/bin/crypto_bench
CRYPTO_BENCH_SRCS := tools/bench/crypto_bench.c $(CRYPTO_SRCS) \
	$(CRYPTO_SIMD_SRCS)

$(CRYPTO_BENCH): $(CRYPTO_BENCH_SRCS) $(ALL_HEADERS) | deps-quiet
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -O2 $(CRYPTO_SIMD_CFLAGS) -o $@ \
		$(CRYPTO_BENCH_SRCS) -lsodium

.PHONY: crypto-bench crypto-test
crypto-bench: $(CRYPTO_BENCH)
	$(CRYPTO_BENCH)

# `make bench` builds it too (tests/bench may run it).
BENCH_DEPS += $(CRYPTO_BENCH)

# The three crypto unit tests, as `make test` runs them.
crypto-test: $(BUILD)/host/unit/crypto_blake3 $(BUILD)/host/unit/crypto_sha512 \
		$(BUILD)/host/unit/crypto_ed25519
	@for t in $^; do CMOCKA_MESSAGE_OUTPUT=TAP $$t || exit 1; done
