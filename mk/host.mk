# Host-side machinery: dependency installation and the unit-test template.

# Debian packages the build and tests need.  `make deps` installs only what
# is missing, so it returns at once on a prepared machine.
DEPS_PKGS := clang lld llvm make qemu-system-x86 qemu-system-arm \
	qemu-system-misc grub-pc-bin grub-efi-amd64-bin grub-common xorriso \
	mtools ovmf libcmocka-dev libsodium-dev python3 python3-pytest \
	python3-pexpect b3sum cpio

.PHONY: deps
deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' \
		$(DEPS_PKGS) 2>/dev/null | awk '$$2 != "ii" { print $$1 }'; \
		for p in $(DEPS_PKGS); do \
			dpkg-query -W -f='$${Package}\n' $$p >/dev/null 2>&1 || echo $$p; \
		done); \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$$(echo $$missing | tr -d ' ')" ]; then \
		echo "deps: installing $$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

# Every header in the tree: host binaries are rebuilt when any changes.
ALL_HEADERS := $(shell find abi kernel lib tests tools user -name '*.h' 2>/dev/null)

# Unit tests.  A fragment declares a test with
#   UNIT_TESTS += name
#   UNIT_name_SRCS := tests/unit/name_test.c path/to/module.c ...
#   UNIT_name_LIBS := -lsodium            (optional)
# and gets $(BUILD)/host/unit/name, built with ASan + UBSan against cmocka.
define UNIT_template
$(BUILD)/host/unit/$(1): $$(UNIT_$(1)_SRCS) $$(ALL_HEADERS) | deps-quiet
	@mkdir -p $$(@D)
	@$$(call say,UNIT,$$@)
	$$(Q)$$(HOST_CC) $$(HOST_CFLAGS) $$(SAN_FLAGS) $$(UNIT_$(1)_CFLAGS) -o $$@ \
		$$(UNIT_$(1)_SRCS) -lcmocka $$(UNIT_$(1)_LIBS)
endef

# Host tools: TOOLS += name; TOOL_name_SRCS := ...; TOOL_name_LIBS := ...
define TOOL_template
$(BUILD)/host/bin/$(1): $$(TOOL_$(1)_SRCS) $$(ALL_HEADERS) | deps-quiet
	@mkdir -p $$(@D)
	@$$(call say,TOOL,$$@)
	$$(Q)$$(HOST_CC) $$(HOST_CFLAGS) -O2 $$(TOOL_$(1)_CFLAGS) -o $$@ \
		$$(TOOL_$(1)_SRCS) $$(TOOL_$(1)_LIBS)
endef

# Order-only prerequisite: builds need the packages, but a rebuild is not
# forced by running deps.
.PHONY: deps-quiet
deps-quiet: deps
