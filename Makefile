# svcmesh-hook - build, test, install.
#
#   make                 build build/svcmesh-hook
#   make check           unit tests (Check) and hook-level tests (bats)
#   make unit | bats     one layer only
#   make demo            simulated deployment of charm-skeleton/ (no cluster, no Juju)
#   make charm-tree      build/charm-tree: what `charmcraft pack` of charm-skeleton/ would
#                        put in the charm (KUBECTL= the binary standing in for the snap)
#   make bench           benchmarks (prints figures, asserts nothing about time)
#   make fuzz            libFuzzer harnesses (clang), FUZZ_SECONDS each
#   make install         PREFIX=/usr/local DESTDIR=
#   make SANITIZE=address,undefined check    sanitizer build of the same suite
#   make WERROR=1        warnings are errors (CI)

PKG_CONFIG ?= pkg-config
CC ?= cc
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
BUILD ?= build
VERSION := 0.1.0

# Debian packages behind each pkg-config name, for the error message. The
# program needs libyaml; the tests also need cJSON (TEST_PC), the reference
# parser check_json and fuzz_json_roundtrip hold ours against.
DEPS_PC := yaml-0.1
TEST_PC := libcjson
DEPS_PKG_libcjson := libcjson-dev
DEPS_PKG_yaml-0.1 := libyaml-dev
DEPS_PKG_check := check

pc_missing = $(1) not found by $(PKG_CONFIG): install the Debian package $(DEPS_PKG_$(1)) (apt-get install $(DEPS_PKG_$(1)) pkg-config)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
define need_pc
$(if $(shell $(PKG_CONFIG) --exists $(1) && echo ok),,$(error $(call pc_missing,$(1))))
endef
$(foreach p,$(DEPS_PC),$(call need_pc,$(p)))
endif
# the same check in the recipe of a test, which alone needs TEST_PC
need_test_pc = $(foreach p,$(TEST_PC),$(PKG_CONFIG) --exists $(p) || { echo "$(call pc_missing,$(p))" >&2; exit 1; };)

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wwrite-strings -Wvla -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Iinclude \
	$(shell $(PKG_CONFIG) --cflags $(DEPS_PC)) -DSVCMESH_VERSION='"$(VERSION)"' $(CFLAGS)
ALL_LDFLAGS := $(LDFLAGS)
LIBS := $(shell $(PKG_CONFIG) --libs $(DEPS_PC)) -lm
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PC) 2>/dev/null)
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PC) 2>/dev/null)

# CHARM_RPATH=1: look for shared libraries in lib/ beside the binary first
# (a packed charm stages libyaml there; see charm-skeleton/).
ifeq ($(CHARM_RPATH),1)
ALL_LDFLAGS += -Wl,-rpath,'$$ORIGIN/lib'
endif

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC := $(filter-out src/commands/main.c,$(wildcard src/*/*.c))
LIB_OBJ := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/commands/main.o
LIBA := $(BUILD)/libsvcmesh.a
BIN := $(BUILD)/svcmesh-hook

UNIT_SRC := $(wildcard tests/unit/check_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang

.PHONY: all check check-layers test-build unit valgrind bats matrix demo bench fuzz fuzz-build install uninstall clean charm-tree jujusim
all: $(BIN)

# The Juju simulator's hook-tool client (tests/jujusim/jujuc.c), linked as
# every hook tool in $(BUILD)/jujusim/bin: the tools the tests, the demo and
# the benchmarks put on a hook's PATH. The driver finds them there (or in
# $$JUJUSIM_TOOLS_DIR).
JUJUSIM_TOOLS := relation-ids relation-list relation-get relation-set is-leader juju-log \
	status-set config-get goal-state
JUJUC := $(BUILD)/jujusim/jujuc
JUJUC_LINKS := $(JUJUSIM_TOOLS:%=$(BUILD)/jujusim/bin/%)
export JUJUSIM_TOOLS_DIR := $(abspath $(BUILD)/jujusim/bin)
$(JUJUC): tests/jujusim/jujuc.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) -O2 -o $@ $<
$(JUJUC_LINKS): $(JUJUC)
	@mkdir -p $(@D)
	@ln -sf ../jujuc $@
jujusim: $(JUJUC_LINKS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBA) $(LIBS)

# Unit tests: one Check binary per module.
$(BUILD)/tests/%: tests/unit/%.c $(LIBA)
	@$(PKG_CONFIG) --exists check || { echo "check not found: apt-get install check" >&2; exit 1; }
	@$(need_test_pc)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $$($(PKG_CONFIG) --cflags check) $(TEST_CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(LIBA) \
		$(ALL_LDFLAGS) $$($(PKG_CONFIG) --libs check) $(LIBS) $(TEST_LIBS)

# everything the tests run, built at once (make -j: tools/quickstart check)
test-build: $(BIN) $(UNIT_BIN) jujusim

# UNIT_JOBS suites at once (default: one per CPU; several wait on kubectl or
# on deadlines); each one's output is printed whole, in order, and the first
# that failed fails the target.
UNIT_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
UNIT_LONGEST := $(addprefix $(BUILD)/tests/check_,kube jujuc run consumer log)
unit: $(UNIT_BIN) jujusim
	@printf '%s\n' $(filter $(UNIT_LONGEST),$(UNIT_BIN)) $(filter-out $(UNIT_LONGEST),$(UNIT_BIN)) | SRCDIR=$(CURDIR) xargs -P $(UNIT_JOBS) -I{} \
		sh -c '{} > {}.out 2>&1; echo $$? > {}.rc'
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; cat $$t.out; \
		rc=$$(cat $$t.rc); [ "$$rc" -eq 0 ] || { echo "$$t failed (exit $$rc)"; exit 1; }; done

# The unit tests under valgrind (no fork, so leaks are seen): zero errors
# and zero leaks or it fails. (valgrind does not know pidfd_open and says
# so; run.c then falls back to its sleep loop.)
valgrind: $(UNIT_BIN) jujusim
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; rc=0; \
		SRCDIR=$(CURDIR) CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
			--error-exitcode=99 $$t > $$t.valgrind.log 2>&1 || rc=$$?; \
		grep -E "Checks:|ERROR SUMMARY|definitely|Invalid" $$t.valgrind.log || true; \
		if [ $$rc -ne 0 ]; then echo "valgrind: $$t failed (exit $$rc), see $$t.valgrind.log"; exit 1; fi; \
	done

# BATS_TESTS: the bats files (default: all of tests/bats). BATS_JOBS: files
# run at once (default: one per CPU; the tests of one file run in order, one
# at a time: a file shares one kubesim between its tests); needs GNU
# parallel, else 1.
# The longest files first (tests/bench/profile-suite measures them), so that
# no long file starts last and runs alone; files not named here follow.
BATS_LONGEST := crash labels provider consumer demo hostile kubesim charm_tree jujusim timeouts
BATS_TESTS ?= $(addprefix tests/bats/,$(addsuffix .bats,$(BATS_LONGEST))) \
	$(filter-out $(addprefix tests/bats/,$(addsuffix .bats,$(BATS_LONGEST))),$(wildcard tests/bats/*.bats))
BATS_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
bats: $(BIN) jujusim
	SVCMESH_BIN=$(abspath $(BIN)) bats --print-output-on-failure \
		$$(command -v parallel >/dev/null && [ "$(BATS_JOBS)" -gt 1 ] && \
		   echo --jobs $(BATS_JOBS) --no-parallelize-within-files) $(BATS_TESTS)

# The platform floor under every hook-tool call: what the parent pays to
# start and reap one child (the benchmark prints it beside the targets).
# Built from the sources, not libsvcmesh.a: base, run and settings alone
# (no log sink is attached, so the hook-tool client stays out).
FLOOR_BIN := $(BUILD)/spawn-floor
FLOOR_SRC := src/transports/run.c src/base/strbuf.c src/base/util.c src/base/log.c src/formats/settings.c
$(FLOOR_BIN): tests/bench/spawn-floor.c $(FLOOR_SRC) $(wildcard include/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ tests/bench/spawn-floor.c $(FLOOR_SRC) $(ALL_LDFLAGS)

# The layers point one way (tools/check-layers: includes, calls between the
# objects, cycles, and which module may use libyaml, posix_spawn, exit; cJSON none).
check-layers: $(LIB_OBJ) $(MAIN_OBJ)
	@tools/check-layers $(BUILD)/obj

# unit and bats side by side (each fills the other's idle CPU: the unit suites
# wait on kubesim and on deadlines); the unit suites' output is printed whole
# when the bats files are done, and either failing fails check.
check: test-build $(FLOOR_BIN) check-layers
	@$(MAKE) -s unit > $(BUILD)/unit.log 2>&1 & pid=$$!; rc=0; \
	$(MAKE) -s bats || rc=$$?; \
	urc=0; wait $$pid || urc=$$?; cat $(BUILD)/unit.log; \
	[ $$urc -eq 0 ] || { echo "make unit failed (exit $$urc)"; rc=1; }; exit $$rc

# The kubectl versions between the oldest and the newest (KUBECTL_MATRIX=inner,
# tests/kubesim/kubesim.bash): make bats runs the two ends, CI adds these, so
# that each version runs once. kubesim.bats and the matrix tests of labels.bats
# and provider.bats, side by side.
matrix: $(BIN) jujusim
	@bash tests/kubesim/get-kubectls
	@export KUBECTL_MATRIX=inner SVCMESH_BIN=$(abspath $(BIN)); log=$(BUILD)/matrix-kubesim.log; \
	bats --print-output-on-failure tests/bats/kubesim.bats > $$log 2>&1 & pid=$$!; rc=0; \
	bats --print-output-on-failure --filter 'every kubectl version' \
		tests/bats/labels.bats tests/bats/provider.bats || rc=$$?; \
	wait $$pid || rc=$$?; cat $$log; exit $$rc

demo: $(BIN) jujusim
	@SVCMESH_BIN=$(abspath $(BIN)) tests/demo/run-demo

# The packed charm's tree, from charm-skeleton/charmcraft.yaml's parts run here
# (tools/charm-tree says how closely; tests/bats/charm_tree.bats deploys it).
KUBECTL ?= $(shell command -v kubectl)
charm-tree:
	tools/charm-tree --project charm-skeleton --source . --kubectl "$(KUBECTL)" --out $(BUILD)/charm-tree

# libFuzzer harnesses: built with clang straight from the sources (not the
# archive) so that coverage instrumentation reaches every module.
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard include/*/*.h)
	@$(need_test_pc)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude \
		$(shell $(PKG_CONFIG) --cflags $(DEPS_PC)) $(TEST_CFLAGS) -DSVCMESH_VERSION='"fuzz"' \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(LIB_SRC) $(LIBS) $(TEST_LIBS)

fuzz-build: $(FUZZ_BIN)

# Each harness runs FUZZ_SECONDS on its committed seeds (tests/fuzz/corpus/NAME),
# FUZZ_JOBS harnesses at a time (default: one per CPU); new inputs go to
# build/fuzz/corpus-NAME, crashes to build/fuzz/. tests/fuzz/run-one does one.
FUZZ_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
fuzz: $(FUZZ_BIN)
	@printf '%s\n' $(FUZZ_BIN) | xargs -P $(FUZZ_JOBS) -I{} sh tests/fuzz/run-one {} $(FUZZ_SECONDS) $(BUILD)/fuzz

bench: $(BIN) $(FLOOR_BIN) jujusim
	@SVCMESH_BIN=$(abspath $(BIN)) SPAWN_FLOOR=$(abspath $(FLOOR_BIN)) tests/bench/run-bench

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/svcmesh-hook
	install -m 644 doc/svcmesh-hook.1 $(DESTDIR)$(MANDIR)/man1/svcmesh-hook.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/svcmesh-hook $(DESTDIR)$(MANDIR)/man1/svcmesh-hook.1

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/tests/*.d)
