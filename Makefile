# ficus - build, test, sandbox, demo.
#
#   make                 build bin/ficus (developer build: warnings are errors)
#   make deps            install missing Debian packages (apt-get)
#   make test            deps, build, sandbox, then every unit and integration test
#   make SANITIZE=address,undefined test    the same under ASan and UBSan
#   make sandbox         start MariaDB, PostgreSQL and NATS in .sandbox/
#   make sandbox-down    stop them
#   make demo            the migration story on the sample domain
#   make fuzz            libFuzzer targets (clang), see tests/fuzz/
#   make bench           benchmarks (bench-cdc: ficus next to its peers; bench-sync: backfill, apply, latency;
#                        bench-router: ficus next to nginx and HAProxy; bench-verify: verify next to a full scan)

CC       ?= cc
PKGS     := libmariadb libpq yaml-0.1 libpcre2-8 libnats libisal jansson
SANITIZE ?=
TESTS    ?=

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wvla -Wformat=2 \
            -Wno-format-nonliteral -Wno-format-truncation -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP
LDLIBS   := -lpthread -lz -lm -lhttp_parser

ifneq ($(SANITIZE),)
  VARIANT := san-$(shell printf '%s' '$(SANITIZE)' | tr -c 'A-Za-z0-9_' '-')
  CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=$(SANITIZE)
  OUT     := build/$(VARIANT)/bin
else
  VARIANT := dev
  OUT     := bin
endif
OBJ := build/$(VARIANT)

# pkg-config is asked only when building, so `make deps` works without it
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

LIB_SRC  := $(wildcard lib/*.c cdc/*.c router/*.c verify/*.c)
CLI_SRC  := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/*.c tests/lib/*.c tests/cli/*.c tests/cdc/*.c \
              tests/router/*.c tests/verify/*.c tests/integration/*.c \
              tests/fuzz/replay_test.c) \
            tests/fuzz/targets.c
LIB_OBJ  := $(LIB_SRC:%.c=$(OBJ)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(OBJ)/%.o) $(OBJ)/gen/sample_sql.o
TEST_OBJ := $(TEST_SRC:%.c=$(OBJ)/%.o)

.PHONY: all deps sandbox sandbox-down test unit demo demo-down fuzz bench clean help

# The sample domain's services (examples/services): the legacy monolith,
# the new shop service and the demo's load generator.
EXAMPLES := $(OUT)/baemin-legacy $(OUT)/baemin-shop $(OUT)/baemin-load
EX_OBJ   := $(OBJ)/examples/services/httpd.o $(OBJ)/examples/services/shape.o

all: $(OUT)/ficus $(EXAMPLES)

help:
	@sed -n '1,/^$$/p' Makefile | sed 's/^# \{0,1\}//'

# V=1 shows the full commands
Q := $(if $(V),,@)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# The sample domain's SQL files become C strings in the binary.
SAMPLE_SQL := examples/baemin/legacy.sql examples/baemin/target.sql
$(OBJ)/gen/sample_sql.c: $(SAMPLE_SQL)
	@mkdir -p $(dir $@)
	@{ echo '/* generated from $(SAMPLE_SQL) by the Makefile */'; \
	  echo 'const char sample_legacy_sql[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' examples/baemin/legacy.sql; \
	  echo ';'; echo 'const char sample_target_sql[] ='; \
	  sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$$/\\n"/' examples/baemin/target.sql; \
	  echo ';'; } > $@

$(OBJ)/gen/%.o: $(OBJ)/gen/%.c
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OBJ)/libficus.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)$(AR) rcs $@ $^

$(OUT)/ficus: $(CLI_OBJ) $(OBJ)/libficus.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(OBJ)/libficus.a $(PKG_LIBS) $(LDLIBS)

$(OUT)/ficus-test: $(TEST_OBJ) $(OBJ)/libficus.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(OBJ)/libficus.a $(PKG_LIBS) $(LDLIBS)

$(OUT)/baemin-%: $(OBJ)/examples/services/%.o $(EX_OBJ) $(OBJ)/libficus.a
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $< $(EX_OBJ) $(OBJ)/libficus.a $(PKG_LIBS) $(LDLIBS)

deps:
	@bash scripts/deps.sh

sandbox: deps
	@bash scripts/sandbox.sh up

sandbox-down:
	@bash scripts/sandbox.sh down

# The shared binlog corpora (real MySQL binlogs and mariadb-binlog's output
# of them) beside the project; CORPORA=DIR points elsewhere.
CORPORA ?= $(firstword $(wildcard $(abspath $(CURDIR)/../shared/corpora) /work/shared/corpora) \
             $(abspath $(CURDIR)/../shared/corpora))

# The test binary runs every registered test, each in its own process with
# a timeout, against the sandbox's servers; TESTS=substring picks some.
test: deps
	@$(MAKE) --no-print-directory all $(OUT)/ficus-test
	@FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up
	@. .sandbox/env && FICUS_BIN=$(CURDIR)/$(OUT)/ficus FICUS_ROOT=$(CURDIR) \
	  FICUS_CORPORA=$(CORPORA) $(OUT)/ficus-test $(TESTS)

# Only the tests that need no server.
unit: $(OUT)/ficus $(OUT)/ficus-test
	@FICUS_BIN=$(CURDIR)/$(OUT)/ficus FICUS_ROOT=$(CURDIR) FICUS_CORPORA=$(CORPORA) \
	  $(OUT)/ficus-test --unit $(TESTS)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

demo-down:
	@bash scripts/demo.sh down
	@bash scripts/sandbox.sh down

# libFuzzer builds with clang; `make test` replays the committed corpora.
FUZZ_TARGETS := yaml config mapping binlog request
fuzz: $(FUZZ_TARGETS:%=build/fuzz/%_fuzz)
	@echo "fuzz targets: $(FUZZ_TARGETS:%=build/fuzz/%_fuzz)"
	@echo "run one on a copy of its corpus, e.g.: cp -r tests/fuzz/corpus/request /tmp/c && build/fuzz/request_fuzz /tmp/c"
build/fuzz/%_fuzz: tests/fuzz/targets.c tests/fuzz/libfuzzer_main.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	  -DFUZZ_TARGET=fuzz_$* $(PKG_CFLAGS) -o $@ tests/fuzz/targets.c \
	  tests/fuzz/libfuzzer_main.c $(LIB_SRC) $(PKG_LIBS) $(LDLIBS)

bench: bench-cdc bench-sync bench-router bench-verify

# ficus's binlog decoding next to mariadb-binlog, ZongJi and a raw read, on
# one workload's binlog (BENCH_ROWS, default 1000000): times, rows/s, ratios,
# build/bench/cdc.json. Numbers, not pass/fail: bench/cdc/README.md.
.PHONY: bench-cdc
bench-cdc: deps
	@bash scripts/bench-cdc.sh

# ficus sync on the sample domain (~1.2M legacy rows): backfill next to
# pgloader, the outbox -> read-model apply rate, and commit-to-outbox latency
# at ~1000 transactions/s; build/bench/sync.json. Installs pgloader and
# python3-pymysql itself when missing (not part of `make deps`).
# Numbers, not pass/fail: bench/sync/README.md.
.PHONY: bench-sync
bench-sync: deps
	@bash scripts/bench-sync.sh

# The router on loopback with wrk: direct, ficus (split over two nginx
# upstreams), nginx proxy_pass and HAProxy; shadow mode against a 200 ms
# backend. Installs wrk, nginx and haproxy with apt-get when missing;
# build/bench/router.json. Numbers, not pass/fail: bench/router/README.md.
.PHONY: bench-router
bench-router: deps
	@bash scripts/bench-router.sh

# ficus verify on the sample domain (~1M legacy rows) next to a full scan of
# both sides in parallel (mariadb --quick and COPY to /dev/null): identical
# data and 100 scattered differences; times, rows/s, peak memory, ratios;
# build/bench/verify.json. Numbers, not pass/fail: bench/verify/README.md.
.PHONY: bench-verify
bench-verify: deps
	@bash scripts/bench-verify.sh

clean:
	rm -rf build bin

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(EX_OBJ:.o=.d) \
         $(EXAMPLES:$(OUT)/baemin-%=$(OBJ)/examples/services/%.d)
