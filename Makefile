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

# Debian packages the tool runs (RUN_DEBS) and the tests need (TEST_DEBS).
RUN_DEBS    := iproute2 ifupdown
TEST_DEBS   := $(RUN_DEBS) python3-venv procps iputils-ping util-linux bridge-utils

SANDBOX     := tests/sandbox

.PHONY: all demo check install deps-run deps-test venv lint unit fake netns system-test bench clean

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

unit: venv
	$(VPY) -m pytest -q tests/unit

fake: venv
	$(VPY) -m pytest -q tests/fake

netns: venv
	$(SANDBOX) $(VPY) -m pytest -q tests/netns

# Tier 4: systemd as PID 1 in systemd-nspawn (installs systemd-container and mmdebstrap if missing).
system-test: venv
	$(VPY) -m pytest -q tests/system

check: unit fake netns system-test
	@echo "make check: all tiers passed"

# Byte-compiled as an installed package would be (PYTHONDONTWRITEBYTECODE may be set here).
bench: deps-run
	$(PYTHON) -m compileall -q netns_helper
	$(SANDBOX) $(PYTHON) tests/bench.py

install:
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(PYLIBDIR)/netns_helper $(DESTDIR)$(DATADIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 bin/netns-helper $(DESTDIR)$(SBINDIR)/netns-helper
	install -m 0644 netns_helper/*.py $(DESTDIR)$(PYLIBDIR)/netns_helper/
	install -m 0644 share/systemd-netns-helper/netns.conf $(DESTDIR)$(DATADIR)/netns.conf
	install -m 0644 share/systemd-netns-helper/systemd-netns@.service $(DESTDIR)$(UNITDIR)/systemd-netns@.service
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache
