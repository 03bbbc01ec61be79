# libFuzzer targets.  A fragment declares
#   FUZZ_TARGETS += name
#   FUZZ_name_SRCS := tests/fuzz/fuzz_name.c module.c ...
# and optionally a corpus directory tests/fuzz/corpus/name/.
# `make test` runs each for FUZZ_SMOKE_SECONDS; `make fuzz` for FUZZ_SECONDS.

FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS := -std=c17 -g -O1 -I. -D_DEFAULT_SOURCE -DCAMBIOS_HOST=1 \
	-DCAMBIOS_FUZZ=1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(WARN) -Wno-missing-prototypes \
	-Wno-missing-declarations

define FUZZ_template
$(BUILD)/host/fuzz/$(1): $$(FUZZ_$(1)_SRCS) $$(ALL_HEADERS) | deps-quiet
	@mkdir -p $$(@D)
	@$$(call say,FUZZ,$$@)
	$$(Q)$$(HOST_CC) $$(FUZZ_CFLAGS) $$(FUZZ_$(1)_CFLAGS) -o $$@ $$(FUZZ_$(1)_SRCS) \
		$$(FUZZ_$(1)_LIBS)
endef
