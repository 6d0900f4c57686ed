# ocibox: one static multicall binary. `make help` lists the targets.
#   make                      static musl build for this machine -> ./ocibox
#   make BOARD=aarch64        cross build from board/aarch64/defconfig -> generated/aarch64/ocibox
#   make DEBUG=1              glibc + ASan/UBSan build, system libmnl -> generated/debug/ocibox
#   make check                install what is missing, build everything, run every test
#   make V=1                  show the commands
VERSION := 0.1.0

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDARY:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

Q := $(if $(filter 1,$(V)),,@)
say = $(if $(Q),@printf '  %-8s %s\n' '$(1)' '$(2)';)

HOSTCC ?= cc
HOST_ARCH := $(shell uname -m)
HOST_TOOLCHAIN := $(patsubst armv7l,armv7,$(patsubst mips,mipsel,$(HOST_ARCH)))

# Which build: one folder under generated/ each, so boards never clobber one another.
ifneq ($(FUZZ),)
  BUILD := fuzz
  TOOLCHAIN := debug
  CONFIG := generated/fuzz/.config
  DEBUG := 1
else ifneq ($(DEBUG),)
  BUILD := debug
  TOOLCHAIN := debug
  CONFIG := generated/debug/.config
else ifneq ($(BOARD),)
  ifeq ($(wildcard board/$(BOARD)/board.mk),)
    $(error unknown BOARD '$(BOARD)': expected one of $(notdir $(wildcard board/*/board.mk)))
  endif
  include board/$(BOARD)/board.mk
  BUILD := $(BOARD)
  TOOLCHAIN := $(BOARD_TOOLCHAIN)
  CONFIG := generated/$(BOARD)/.config
else
  BUILD := host
  TOOLCHAIN := $(HOST_TOOLCHAIN)
  CONFIG := .config
endif
B := generated/$(BUILD)
CONF := generated/host-tools/conf

# Goals that need no compiler for the target (and must not install or build one).
CONFIG_GOALS := defconfig oldconfig olddefconfig allyesconfig allnoconfig savedefconfig menuconfig
LIGHT_GOALS := clean distclean help size $(CONFIG_GOALS) check fuzz fuzz-run
NEED_TOOLCHAIN := $(if $(MAKECMDGOALS),$(filter-out $(LIGHT_GOALS),$(MAKECMDGOALS)),all)

# .config is make syntax: CONFIG_X=y.
-include $(CONFIG)

# ---- toolchain: scripts/deps builds musl (cross) and mbedtls once into a cache ----
ifneq ($(NEED_TOOLCHAIN),)
include $(B)/toolchain.mk
endif

INSTALL_GROUPS := build $(if $(filter debug,$(TOOLCHAIN)),debug) \
	$(if $(filter-out $(HOST_TOOLCHAIN) debug,$(TOOLCHAIN)),cross)

$(B)/toolchain.mk: FORCE
	$(Q)mkdir -p $(B)
	$(Q)scripts/install-deps $(INSTALL_GROUPS) >&2
	$(Q)set -e; mk=$$(scripts/deps $(TOOLCHAIN) | tail -n 1); \
		{ echo "# from $$mk"; cat "$$mk"; } > $@.tmp; \
		cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

# ---- flags ----
CPPFLAGS := -D_GNU_SOURCE -Iinclude -I$(B) -Igenerated $(TC_CPPFLAGS)
CFLAGS := -std=gnu11 -Wall -Wextra -Wno-sign-compare -fno-strict-aliasing $(TC_CFLAGS)
LDFLAGS := $(TC_LDFLAGS)
LDLIBS := $(TC_LDLIBS) $(if $(CONFIG_FEATURE_SYSTEM_LIBMNL),-lmnl)
ifneq ($(FUZZ),)
  # libFuzzer: every object instrumented for coverage; only the fuzzer binaries get its main.
  TC_CC := clang
  CFLAGS += -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
else ifneq ($(DEBUG),)
  CFLAGS += -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
else
  CFLAGS += -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	-fno-unwind-tables
  LDFLAGS += -Wl,--gc-sections -Wl,--sort-section=alignment
endif
CFLAGS += $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)

# ---- sources: wildcards over directories; an applet is one file ----
APPLET_SRCS := $(sort $(wildcard applets/*.c))
LIBBB_SRCS := $(sort $(wildcard libbb/*.c))
# With the target's own libmnl, libbb's libmnl-shaped layer steps aside.
ifneq ($(CONFIG_FEATURE_SYSTEM_LIBMNL),)
  LIBBB_SRCS := $(filter-out libbb/netlink.c,$(LIBBB_SRCS))
endif
UNIT_SRCS := $(filter-out tests/unit/unit.c,$(sort $(wildcard tests/unit/*.c)))

APPLET_OBJS := $(APPLET_SRCS:%.c=$(B)/obj/%.o)
LIBBB_OBJS := $(LIBBB_SRCS:%.c=$(B)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/unit/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/tests/fuzz/%)
ALL_OBJS := $(APPLET_OBJS) $(LIBBB_OBJS) $(UNIT_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/tests/unit/unit.o \
	$(FUZZ_SRCS:%.c=$(B)/obj/%.o)

GEN_HEADERS := generated/applets.h generated/flags.h $(B)/autoconf.h $(B)/build_info.h \
	$(B)/syscalls.h

.PHONY: all FORCE
all: $(B)/ocibox $(if $(filter host,$(BUILD)),ocibox)
FORCE:

# ---- generated files (never committed) ----
generated/.applets.stamp: $(APPLET_SRCS) scripts/gen-applets
	$(call say,GEN,applet tables)
	$(Q)scripts/gen-applets generated $(APPLET_SRCS)
	$(Q)touch $@
generated/applets.h generated/flags.h generated/Config.applets.in: generated/.applets.stamp ;

$(CONF): $(wildcard kconfig/*.c kconfig/*.h)
	$(call say,HOSTCC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -O2 -Wall -Wextra -o $@ $(filter %.c,$^)

KCONFIG_FILES := Config.in $(wildcard */Config.in) generated/Config.applets.in
KCONF = KCONFIG_CONFIG=$(CONFIG) $(CONF)

# A build with no .config starts from its board's defconfig (the host's for plain `make`).
# The debug build takes the host .config and forces the system-libmnl path and clean-up on.
$(CONFIG): | $(CONF) generated/Config.applets.in
	$(Q)mkdir -p $(dir $@)
ifneq ($(DEBUG)$(FUZZ),)
	$(Q){ if [ -f .config ]; then grep -v -e FEATURE_SYSTEM_LIBMNL -e FEATURE_CLEAN_UP .config; \
		else cat board/$(HOST_TOOLCHAIN)/defconfig; fi; \
		echo CONFIG_FEATURE_SYSTEM_LIBMNL=y; echo CONFIG_FEATURE_CLEAN_UP=y; } > $@
	$(Q)$(KCONF) --olddefconfig Config.in >/dev/null
else
	$(Q)$(KCONF) --defconfig=board/$(if $(BOARD),$(BOARD),$(HOST_TOOLCHAIN))/defconfig Config.in >/dev/null
endif

# conf rewrites the header only when it changed, so an unchanged .config rebuilds nothing.
$(B)/autoconf.h: $(CONFIG) $(KCONFIG_FILES) $(CONF)
	$(Q)mkdir -p $(B)
	$(Q)KCONFIG_AUTOHEADER=$@.tmp $(KCONF) --olddefconfig Config.in >/dev/null
	$(Q)cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
CONFIG_SYMBOLS = $(sort $(patsubst CONFIG_%=y,%,$(shell grep '^CONFIG_.*=y$$' $(CONFIG) 2>/dev/null)))
$(B)/build_info.h: $(CONFIG) $(B)/toolchain.mk Makefile FORCE
	$(Q){ echo '#define OCIBOX_VERSION "$(VERSION)$(if $(GIT_REV),-g$(GIT_REV))"'; \
	  echo '#define OCIBOX_BOARD "$(if $(BOARD),$(BOARD),$(BUILD))"'; \
	  echo '#define OCIBOX_TARGET "$(TC_TRIPLET)"'; \
	  echo '#define OCIBOX_LIBC "$(TC_LIBC)"'; \
	  echo '#define OCIBOX_CONFIG_SYMBOLS "$(CONFIG_SYMBOLS)"'; } > $@.tmp
	$(Q)cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

# The seccomp syscall table, from the target compiler's own <asm/unistd.h>. gen-syscalls
# rewrites it only when it changed; the stamp stops a new toolchain.mk from rerunning it on
# every make.
$(B)/.syscalls.stamp: scripts/gen-syscalls $(B)/toolchain.mk
	$(call say,GEN,$(B)/syscalls.h)
	$(Q)scripts/gen-syscalls $(B)/syscalls.h $(TC_CC) $(TC_CPPFLAGS) $(TC_CFLAGS)
	$(Q)touch $@
$(B)/syscalls.h: $(B)/.syscalls.stamp ;

# ---- compile and link ----
# toolchain.mk is rewritten only when it changes: a new compiler or mbedtls configuration
# (whose structures the objects embed) recompiles everything.
$(B)/obj/%.o: %.c $(B)/toolchain.mk | $(GEN_HEADERS)
	$(call say,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(TC_CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libbb.a: $(LIBBB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(TC_AR) rcs $@ $^

$(B)/ocibox_unstripped: $(APPLET_OBJS) $(B)/libbb.a
	$(call say,LINK,$@)
	$(Q)$(TC_CC) $(CFLAGS) $(LDFLAGS) -o $@ $(APPLET_OBJS) $(B)/libbb.a $(LDLIBS)

$(B)/ocibox: $(B)/ocibox_unstripped
ifneq ($(DEBUG),)
	$(Q)cp $< $@
else
	$(call say,STRIP,$@)
	$(Q)$(TC_STRIP) -s -R .comment -R .note -R .note.ABI-tag -o $@ $<
endif

ocibox: $(B)/ocibox
	$(Q)cp $< $@

$(B)/tests/unit/%: $(B)/obj/tests/unit/%.o $(B)/obj/tests/unit/unit.o $(B)/libbb.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(TC_CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: unit
unit: $(UNIT_BINS)

$(B)/tests/fuzz/%: $(B)/obj/tests/fuzz/%.o $(B)/libbb.a
	$(call say,LINK,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(TC_CC) $(CFLAGS) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

# `make fuzz` builds the libFuzzer targets of tests/fuzz/ (clang); `make fuzz-run` runs each
# for FUZZ_SECONDS on a scratch copy of its seed corpus (tests/fuzz/corpus/NAME/).
FUZZ_SECONDS ?= 60
.PHONY: fuzz fuzz-run fuzzers fuzzers-run
fuzz:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzzers
fuzz-run:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzzers-run
fuzzers: $(FUZZ_BINS)
fuzzers-run: $(FUZZ_BINS)
	$(Q)set -e; for f in $(FUZZ_BINS); do n=$$(basename $$f); c=$(B)/corpus/$$n; \
		rm -rf $$c; mkdir -p $$c; cp -r tests/fuzz/corpus/$$n/. $$c/ 2>/dev/null || true; \
		echo "fuzz $$n: $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $$c 2>$(B)/fuzz-$$n.log || \
		{ tail -n 40 $(B)/fuzz-$$n.log; echo "FAIL: fuzz $$n"; exit 1; }; \
		grep -E 'stat::number_of_executed_units' $(B)/fuzz-$$n.log | sed 's/^/  /'; \
		echo "PASS: fuzz $$n ($(FUZZ_SECONDS) s, no crash)"; done

-include $(ALL_OBJS:.o=.d)

# ---- configuration ----
.PHONY: $(CONFIG_GOALS)
$(filter-out menuconfig savedefconfig,$(CONFIG_GOALS)): $(CONF) generated/Config.applets.in
	$(Q)mkdir -p $(dir $(CONFIG))
	$(Q)$(KCONF) --$(if $(filter defconfig,$@),defconfig=board/$(if $(BOARD),$(BOARD),$(HOST_TOOLCHAIN))/defconfig,$@) Config.in
savedefconfig: $(CONF) generated/Config.applets.in
	$(Q)$(KCONF) --savedefconfig=$(if $(BOARD),board/$(BOARD)/defconfig,defconfig) Config.in
menuconfig: $(CONF) generated/Config.applets.in
	$(Q)scripts/install-deps menuconfig >&2
	$(Q)mkdir -p $(dir $(CONFIG))
	$(Q)KCONFIG_CONFIG=$(CONFIG) kconfig-mconf Config.in

# ---- the two commands of the README ----
.PHONY: check test run size clean distclean help
check:
	$(Q)scripts/install-deps build cross debug test peers vm >&2
	$(Q)tests/check-all $(if $(BOARD),$(BOARD))

# Run the tests against what is built, installing nothing.
test: all unit
	$(Q)CONFIG_FILE=$(abspath $(CONFIG)) TC_RUN="$(TC_RUN)" tests/runtest $(B) $(T)

run: all
	$(Q)scripts/run-demo $(B)

size:
	$(Q)scripts/size-table

clean:
	rm -rf generated ocibox

distclean: clean
	rm -f .config .config.old

help:
	@sed -n '1,/^VERSION/p' Makefile | sed '$$d'
	@echo "Other targets: $(CONFIG_GOALS) unit test fuzz fuzz-run size run clean distclean"

# What tests/check-all needs to know about this build.
.PHONY: print-test-env
print-test-env:
	@echo B=$(B) CONFIG_FILE=$(abspath $(CONFIG)) TC_RUN=$(TC_RUN) \
		TC_ELF_MACHINE=\"$(TC_ELF_MACHINE)\" BOARD_NAME=$(if $(BOARD),$(BOARD),$(BUILD))
