# mod_supertokens: build, test and demo.
#   make            build .libs/mod_supertokens.so with apxs
#   make test       install what is missing, build, run unit tests + core double tests + Apache::Test
#   make demo       start the core double and an httpd with the module on 127.0.0.1
#   make demo-stop  stop what make demo started
#   make install    apxs -i, and tools/supertokens-admin into $(SBINDIR) with its manual page
#   make fuzz       libFuzzer targets in build/fuzz/, FUZZ_SECONDS (default 60) each
#   make test-asan  the Apache::Test suite against the module built with ASan + UBSan
#   make test-valgrind  the Apache::Test suite against httpd -X under valgrind memcheck
#   make dist       mod_supertokens-<version>.tar.gz of the committed tree (git archive)
#   make distcheck  make dist, then build and unit-test the unpacked tarball in a temporary directory
#   make deb        the Debian package libapache2-mod-supertokens in build/deb/ (dpkg-buildpackage)
#   make test-deb   as root: build the package, lintian, install, a2enmod, configtest, purge
#   make cross-arm64    build the module and the unit tests for aarch64, run the tests in qemu
#   make coverage-unit  gcov line and branch coverage of the pure sources by the unit tests

APXS      ?= apxs
CC        ?= gcc
SHELL     := /bin/bash

# src/<layer>/: token, config, core, request, pages, api (README "Layout"); includes name the
# layer ("token/jwt.h") against -Isrc
MODULE_SRC := mod_supertokens.c $(sort $(wildcard src/*/*.c))
MODULE_HDR := $(wildcard src/*/*.h)
MODULE_SO  := .libs/mod_supertokens.so

# Sources with no httpd symbols: linked into the C unit tests (and fuzz targets): all of
# src/token/ and the pure files of the layers above it.
UNIT_SRC := $(sort $(wildcard src/token/*.c)) src/config/domain.c src/core/http_parse.c \
            src/core/session_reply.c src/api/form.c src/api/passwordless_input.c \
            src/request/redirect_path.c src/core/vcache.c

WARN       := -Wall -Wextra -Werror
# Link-time optimisation: a cache hit crosses some sixty small functions in fifteen files
# (config getters, cache accessors); gcc inlines them across files: 7 to 8 % fewer instructions per
# hit (make bench-instructions). `make LTO=` builds without it (a compiler without -flto=auto).
LTO        ?= -flto=auto
# hidden by default: the module exports supertokens_module only (mod_supertokens.c)
APXS_CFLAGS := $(foreach f,$(WARN) -std=gnu11 -fvisibility=hidden $(LTO) $(EXTRA_CFLAGS),-Wc,$(f)) \
               $(foreach f,$(LTO) $(EXTRA_LDFLAGS),-Wl,$(f))
LIBS       := -ljansson -lssl -lcrypto -lpcre2-8

APR_CFLAGS := $(shell apr-1-config --cflags --cppflags --includes 2>/dev/null) \
              $(shell apu-1-config --includes 2>/dev/null)
APR_LIBS   := $(shell apr-1-config --link-ld --libs 2>/dev/null) \
              $(shell apu-1-config --link-ld --libs 2>/dev/null)

UNIT_TESTS := $(patsubst t/unit/%.c,t/unit/build/%,$(wildcard t/unit/test_*.c))

.PHONY: all install install-tools test test-unit test-core test-suite demo demo-stop deps clean bench bench-instructions fuzz soak test-asan test-valgrind \
        dist distcheck deb test-deb cross-arm64 coverage-unit

# The one place the version is written is src/config/version.h (CHANGELOG.md, debian/changelog
# and the tarball's name follow it; build/check-version says when they do not).
VERSION := $(shell sed -n 's/^\#define ST_MODULE_VERSION "\(.*\)"/\1/p' src/config/version.h)
DIST    := mod_supertokens-$(VERSION)

all: $(MODULE_SO)

$(MODULE_SO): $(MODULE_SRC) $(MODULE_HDR)
	$(APXS) -c -o mod_supertokens.la $(APXS_CFLAGS) -Wc,-I$(CURDIR)/src $(MODULE_SRC) $(LIBS) >build/apxs.log 2>&1 \
	  || { cat build/apxs.log; exit 1; }
	@grep -E ': (warning|error):' build/apxs.log || true

# the admin tool goes where apxs says httpd's own administration programs live (apachectl:
# /usr/sbin on Debian), its manual page (pod2man) to section 8; DESTDIR stages both
SBINDIR ?= $(shell $(APXS) -q SBINDIR 2>/dev/null || echo /usr/local/sbin)
MANDIR  ?= $(shell $(APXS) -q MANDIR 2>/dev/null || echo /usr/local/share/man)

install: $(MODULE_SO) install-tools
	$(APXS) -i -n supertokens mod_supertokens.la

install-tools:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 tools/supertokens-admin $(DESTDIR)$(SBINDIR)/supertokens-admin
	set -o pipefail; pod2man --section=8 --center=mod_supertokens --release=mod_supertokens --name=SUPERTOKENS-ADMIN \
	  tools/supertokens-admin | gzip -9n > $(DESTDIR)$(MANDIR)/man8/supertokens-admin.8.gz

deps:
	@build/install-deps

t/unit/build/%: t/unit/%.c $(UNIT_SRC) $(MODULE_HDR)
	@mkdir -p t/unit/build
	$(CC) $(WARN) -std=gnu11 -g -O1 $(EXTRA_CFLAGS) -Isrc $(APR_CFLAGS) -o $@ $< $(UNIT_SRC) \
	  -lcmocka $(LIBS) $(APR_LIBS)

# make bench's yardstick for the figures without the cache: one RS256 check, timed in a loop
build/bench-rs256: build/bench-rs256.c $(UNIT_SRC) $(MODULE_HDR)
	$(CC) $(WARN) -std=gnu11 -O2 $(EXTRA_CFLAGS) -Isrc $(APR_CFLAGS) -o $@ $< $(UNIT_SRC) \
	  $(LIBS) $(APR_LIBS)

test-unit: $(UNIT_TESTS)
	CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_TESTS)

test-core:
	@build/run-core-tests

test-suite: $(MODULE_SO)
	@build/run-suite

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-core
	@$(MAKE) --no-print-directory test-suite

demo: deps all
	@build/demo start

demo-stop:
	@build/demo stop

clean:
	rm -rf .libs *.la *.lo *.slo *.o src/*/*.lo src/*/*.slo src/*/*.o src/*/.libs t/unit/build build/apxs.log \
	  mod_supertokens-*.tar.gz build/deb build/coverage build/cross build/bench-rs256
	-t/TEST.PL -clean >/dev/null 2>&1 || true

bench: deps all build/bench-rs256
	@build/bench

# callgrind's count of httpd's instructions per request (repeatable where make bench's times are not)
bench-instructions: deps all
	@build/bench-instructions

# libFuzzer targets (build/fuzz/): FUZZ_SECONDS per target (default 60), non-zero on any finding
fuzz:
	@UNIT_SRC="$(UNIT_SRC)" build/fuzz/run

# wrk against protected resources while the core double rotates keys, slows down and restarts
soak: deps all
	@build/soak

# the whole Apache::Test suite against build/asan/mod_supertokens.so (ASan + UBSan, runtime
# LD_PRELOADed into httpd); fails on any sanitizer report
test-asan: $(MODULE_SO)
	@build/run-asan

# httpd -X under valgrind memcheck across the suite; fails on definite leaks or memory errors
test-valgrind: $(MODULE_SO)
	@build/run-valgrind

# A tarball of HEAD's tracked files (uncommitted changes are not in it: commit first)
dist:
	@v=$$(build/check-version) && echo "make dist: version $$v"
	@git diff --quiet HEAD -- || echo "make dist: uncommitted changes are not in the tarball" >&2
	git archive --format=tar.gz --prefix=$(DIST)/ -o $(DIST).tar.gz HEAD
	@echo "make dist: $(DIST).tar.gz"

# The tarball builds with the README's steps alone: unpacked in a temporary directory, make
# and make test-unit
distcheck: dist
	@build/distcheck $(DIST).tar.gz

deb:
	@build/test-deb --build-only

test-deb:
	@build/test-deb

# aarch64: the module's sources compiled and linked with Debian's cross toolchain against the
# arm64 libraries (build/cross/), the unit tests run under qemu-aarch64; x86-only code (the
# AVX-512 IFMA path) is left out there. build/install-cross-deps installs what it needs.
cross-arm64:
	@build/install-cross-deps
	@MODULE_SRC="$(MODULE_SRC)" UNIT_SRC="$(UNIT_SRC)" build/cross-arm64

# gcov over the C unit tests (build/coverage/, annotated sources there)
coverage-unit:
	@UNIT_SRC="$(UNIT_SRC)" build/unit-coverage
