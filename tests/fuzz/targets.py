# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzz targets: every configuration reader, fed arbitrary bytes, says only ConfigError with a place.

Each target takes one input and raises AssertionError on a finding (any other exception, or a
ConfigError without file:line). They import no fuzzer: `tests/fuzz/run TARGET` drives them with
atheris (`make fuzz`), and tests/unit/test_fuzz_corpus.py replays the saved inputs in crashes/ and
seeds/ in `make check`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

from netns_helper.check import check
from netns_helper.errors import ConfigError
from netns_helper.facts import Paths
from netns_helper.interfaces import parse_file
from netns_helper.xfrm import parse_xfrm

NS = "fz"
_ROOT = tempfile.mkdtemp(prefix="netns-helper-fuzz-")
PATHS = Paths(etc=f"{_ROOT}/etc", run=f"{_ROOT}/run")
NETWORK = f"{PATHS.etc}/netns/{NS}/network"
for _directory in (NETWORK, PATHS.host_network, PATHS.run_netns):
    os.makedirs(_directory, exist_ok=True)
_CLEAN = b"auto lo\niface lo inet loopback\n"


def _write(path: str, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return path


def _located(call: Callable[[], object]) -> None:
    """CALL may raise only a ConfigError that names its file (and line, where the file has lines)."""
    try:
        call()
    except ConfigError as e:
        assert e.loc is not None or e.message.startswith("/"), f"ConfigError without a place: {e}"
        assert e.loc is None or e.loc.line >= 1, f"ConfigError at line {e.loc.line}: {e}"


def _checked(problems: object) -> None:
    for problem in problems:  # type: ignore[attr-defined]
        assert problem.where, f"problem without a place: {problem}"


def interfaces(data: bytes) -> None:
    """A namespace's interfaces file: the parser (raising and collecting) and every check."""
    _write(f"{PATHS.host_network}/interfaces", _CLEAN)
    path = _write(f"{NETWORK}/interfaces", data)
    _located(lambda: parse_file(path))
    errors: list[ConfigError] = []
    parse_file(path, errors)
    for error in errors:
        assert error.loc is not None, f"collected ConfigError without a place: {error}"
    _checked(check(PATHS, [NS], None))


def host(data: bytes) -> None:
    """The host's /etc/network/interfaces, with its link-netns pairs, checked against a namespace."""
    _write(f"{NETWORK}/interfaces", _CLEAN + b"auto link1\niface link1 inet manual\n")
    path = _write(f"{PATHS.host_network}/interfaces", data)
    _located(lambda: parse_file(path))
    _checked(check(PATHS, None, None))


def xfrm(data: bytes) -> None:
    """A namespace's xfrm file (INI), alone and with check's cross-file rules."""
    _write(f"{PATHS.host_network}/interfaces", _CLEAN)
    _write(f"{NETWORK}/interfaces", _CLEAN)
    path = _write(f"{NETWORK}/xfrm", data)
    _located(lambda: parse_xfrm(path, NS))
    _checked(check(PATHS, [NS], None))
    os.unlink(path)


TARGETS: dict[str, Callable[[bytes], None]] = {"interfaces": interfaces, "host": host, "xfrm": xfrm}
