# SPDX-License-Identifier: GPL-3.0-or-later
# netns-helper: run systemd services in their own network namespaces.
# `make demo` and `make check` are the two commands of the README's Quick start.

PYTHON      := /usr/bin/python3
VENV        := .venv
VPY         := $(VENV)/bin/python
PREFIX      ?= /usr
DESTDIR     ?=
SBINDIR     := $(PREFIX)/sbin
PYLIBDIR    := $(PREFIX)/lib/python3/dist-packages
DATADIR     := $(PREFIX)/share/systemd-netns-helper
UNITDIR     := $(PREFIX)/lib/systemd/system
DOCDIR      := $(PREFIX)/share/doc/systemd-netns-helper
UDEVDIR     := $(PREFIX)/lib/udev/rules.d
COMPLDIR    := $(PREFIX)/share/bash-completion/completions

# Debian packages the tool runs (RUN_DEBS) and the tests need (TEST_DEBS). nftables is needed
# only where a namespace has an nftables.conf (the package Suggests it).
RUN_DEBS    := iproute2 ifupdown
TEST_DEBS   := $(RUN_DEBS) python3-venv procps iputils-ping util-linux bridge-utils systemd graphviz nftables \
               isc-dhcp-client dhcpcd-base dnsmasq-base

SANDBOX     := tests/sandbox

# Man pages: scdoc sources in man/, rendered into build/man/ (`make man`).
# scdoc rather than reStructuredText/rst2man: one small C program with no dependencies
# (rst2man needs python3-docutils, docutils-common, python3-roman), a source that reads like
# the page itself, and plain man(7) output that lintian's man page checks accept as is. Its
# one limit here: a page's name may not contain `@`, hence `_at_` in the source's title line
# (see the rule).
VERSION     := $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' netns_helper/__init__.py)
MAN_SRC     := $(wildcard man/*.scd)
MAN_PAGES   := $(patsubst man/%.scd,build/man/%,$(MAN_SRC))
MAN_DEBS    := scdoc

# The Debian package (`make deb`): built in a copy of the tree under build/deb/src, so that
# dpkg-buildpackage's output (in the parent directory, build/deb/) never lands in the checkout.
# DEB_REF=HEAD builds a committed tree (git archive) instead of the working tree's files.
DEB_DEBS    := $(MAN_DEBS) git dpkg-dev debhelper dh-python python3 python3-pytest lintian
DEB_DIR     := build/deb
DEB_REF     ?=

.PHONY: all demo check install deps-run deps-test venv lint unit fake netns system system-test vm bench fuzz completion pictures clean release-check

all:
	@echo "targets: demo check bench install lint unit fake netns clean"

# Installs the listed Debian packages that are missing (apt-get update only when needed).
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi
endef

deps-run:
	$(call apt_install,$(RUN_DEBS))

deps-test:
	$(call apt_install,$(TEST_DEBS))

$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

venv: deps-test $(VENV)/.stamp

demo: deps-run
	$(SANDBOX) examples/demo.sh

# The linters also run as unit tests (tests/unit/test_lint.py); this is the quick way.
lint: venv
	$(VENV)/bin/ruff check netns_helper bin/netns-helper tests
	$(VENV)/bin/ruff format --check netns_helper bin/netns-helper tests
	$(VENV)/bin/mypy

# The quick tiers keep their byte code (the tests' as pytest rewrites them too) under build/,
# whatever PYTHONDONTWRITEBYTECODE says: compiling them again is a third of the fake tier's time.
QUICK_ENV   := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/build/pycache

unit: venv
	$(QUICK_ENV) $(VPY) -m pytest -q tests/unit

fake: venv
	$(QUICK_ENV) tests/shards $(VPY) -m pytest -q tests/fake

netns: venv
	$(SANDBOX) $(VPY) -m pytest -q tests/netns

# Tier 4: systemd as PID 1 in systemd-nspawn (installs systemd-container and mmdebstrap if missing),
# with the Debian package installed by apt.
system: venv deb
	$(VPY) -m pytest -q tests/system

# Tier 5: a Debian kernel under qemu (VLAN, bond, bridge, XFRM, strongSwan); installs qemu-system-x86
# and mmdebstrap if missing. About 90 s with the image to build, 50 s with it cached.
vm: venv
	tests/vm/run

# Tiers 4 and 5.
system-test: system vm

# The Debian releases that tiers 4 and 5 boot (tests/releases.py), and this machine's own.
RELEASES     = $(shell $(PYTHON) -c 'from tests.releases import RELEASES; print(*RELEASES)')
HOST_RELEASE = $(shell . /etc/os-release && echo $$VERSION_CODENAME)

# The unit and fake tiers with each other release's Python (3.13 on trixie), and its lintian
# on the package, in a chroot of its tier-4 image: this machine's own ran them already
# (unit, fake, deb-lint).
release-check: venv deb
	@for release in $(RELEASES); do \
	  [ "$$release" = "$(HOST_RELEASE)" ] || tests/release-check $$release || exit 1; \
	done

# The package is built and linted before tier 4 installs it. Each tier-mark-X notes the time
# when tier X ended, so that check can print each tier's time (with what it installed or built).
CHECK_TIERS := unit fake netns deb-lint release-check system vm
check: tier-mark-start $(foreach tier,$(CHECK_TIERS),$(tier) tier-mark-$(tier))
	@echo "make check: all tiers passed; time per tier:"
	@awk 'NR > 1 { printf "  %-14s %5d s\n", $$1, $$2 - last; total += $$2 - last } { last = $$2 } \
	  END { printf "  %-14s %5d s\n", "total", total }' build/tier-times

tier-mark-%:
	@mkdir -p build
	@if [ "$*" = start ]; then : > build/tier-times; fi
	@echo "$* $$(date +%s)" >> build/tier-times

# Coverage-guided fuzzing (atheris) of every configuration reader, FUZZ_SECONDS each (not in
# `make check`, which replays the saved inputs of tests/fuzz/ instead). Findings: build/fuzz/TARGET/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := interfaces host xfrm wireguard inside
fuzz: venv
	for t in $(FUZZ_TARGETS); do tests/fuzz/run $$t $(FUZZ_SECONDS) || exit 1; done

# Byte-compiled as an installed package would be (PYTHONDONTWRITEBYTECODE may be set here).
bench: deps-run
	$(PYTHON) -m compileall -q netns_helper
	$(SANDBOX) $(PYTHON) tests/bench.py

install:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PYLIBDIR)/netns_helper $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -d $(DESTDIR)$(UDEVDIR) $(DESTDIR)$(COMPLDIR)
	install -m 0755 bin/netns-helper $(DESTDIR)$(SBINDIR)/netns-helper
	# The original implementation's command (systemd-netns start|stop NAME), for the admins' scripts.
	ln -sf netns-helper $(DESTDIR)$(SBINDIR)/systemd-netns
	install -m 0644 netns_helper/*.py $(DESTDIR)$(PYLIBDIR)/netns_helper/
	install -m 0644 share/systemd-netns-helper/netns.conf $(DESTDIR)$(DATADIR)/netns.conf
	install -m 0644 share/systemd-netns-helper/systemd-netns@.service $(DESTDIR)$(UNITDIR)/systemd-netns@.service
	install -m 0644 share/systemd-netns-helper/netns-helper-metrics.service $(DESTDIR)$(UNITDIR)/netns-helper-metrics.service
	install -m 0644 share/systemd-netns-helper/netns-helper-metrics.timer $(DESTDIR)$(UNITDIR)/netns-helper-metrics.timer
	install -m 0644 share/systemd-netns-helper/netns-helper-hotplug@.service $(DESTDIR)$(UNITDIR)/netns-helper-hotplug@.service
	install -m 0644 share/systemd-netns-helper/79-netns-helper.rules $(DESTDIR)$(UDEVDIR)/79-netns-helper.rules
	install -m 0644 share/bash-completion/netns-helper $(DESTDIR)$(COMPLDIR)/netns-helper
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

.PHONY: man deps-man deb deps-deb deb-lint

deps-man:
	$(call apt_install,$(MAN_DEBS))

man: deps-man $(MAN_PAGES)

# A page with a table must say so on its first line ('\" t), or man(1) does not run tbl
# (lintian of trixie warns: "tbl preprocessor failed"); scdoc does not write it.
build/man/%: man/%.scd netns_helper/__init__.py
	@mkdir -p $(@D)
	sed 's/@VERSION@/$(VERSION)/g' $< | scdoc | sed '/^\.TH /s/_at_/@/' > $@.tmp
	if grep -q '^\.TS' $@.tmp && ! head -n 1 $@.tmp | grep -qF "'\\\" t"; then \
	  { printf "'\\\\\" t\n"; cat $@.tmp; } > $@.tbl && mv $@.tbl $@.tmp; \
	fi
	mv $@.tmp $@

deps-deb:
	$(call apt_install,$(DEB_DEBS))

# Copies the tracked and new (not ignored) files, or DEB_REF's tree, then builds there.
# The version in debian/changelog must be netns_helper.__version__.
deb: deps-deb
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	if [ -n "$(DEB_REF)" ]; then \
	  git archive --format=tar $(DEB_REF) | tar -x -C $(DEB_DIR)/src; \
	else \
	  git ls-files -z --cached --others --exclude-standard | \
	    xargs -0 sh -c 'for f; do [ ! -e "$$f" ] || printf "%s\0" "$$f"; done' sh | \
	    tar --null --no-recursion -T - -cf - | tar -x -C $(DEB_DIR)/src; \
	fi
	@v=$$(cd $(DEB_DIR)/src && dpkg-parsechangelog -SVersion); \
	if [ "$$v" != "$(VERSION)" ]; then \
	  echo "debian/changelog says $$v, netns_helper/__init__.py says $(VERSION): add a changelog entry (dch -v $(VERSION))"; exit 1; \
	fi
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	@ls -l $(DEB_DIR)/*.deb

# Errors and warnings fail; info tags are shown but do not.
deb-lint: deb
	lintian --info --fail-on error,warning $(DEB_DIR)/*.changes

# The README's pictures of the spec's examples (status --svg), from the fake tier's data.
pictures: venv
	$(VPY) -m tests.pictures

# The bash completion is generated from the command table (netns_helper/usage.py); the unit
# tests fail when the committed file differs from what this writes.
completion:
	$(PYTHON) -m netns_helper.completion > share/bash-completion/netns-helper.tmp
	mv share/bash-completion/netns-helper.tmp share/bash-completion/netns-helper

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache
