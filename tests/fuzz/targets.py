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

from netns_helper import inside, wireguard
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
        _collected([e])


def _collected(errors: list[ConfigError]) -> None:
    """Each of ERRORS names its file (and line, where the file has lines)."""
    for error in errors:
        assert error.loc is not None or error.message.startswith("/"), f"ConfigError without a place: {error}"
        assert error.loc is None or error.loc.line >= 1, f"ConfigError at line {error.loc.line}: {error}"


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


_WG_INTERFACES = _CLEAN + b"auto wg0\niface wg0 inet manual\n  wireguard-birth-netns up1\n"
WG_DIR = wireguard.conf_dir(PATHS.netns_etc(NS))
os.makedirs(WG_DIR, exist_ok=True)


def wireguard_conf(data: bytes) -> None:
    """A namespace's wireguard/WG.conf (wg setconf's format), read alone and with its interfaces file."""
    _write(f"{NETWORK}/interfaces", _WG_INTERFACES)
    path = _write(f"{WG_DIR}/wg0.conf", data)
    os.chmod(path, 0o600)
    errors: list[ConfigError] = []
    try:
        wireguard.parse(path, "wg0", None, errors)
        wireguard.load(NS, PATHS.netns_etc(NS), parse_file(f"{NETWORK}/interfaces"), errors)
    finally:
        os.unlink(path)  # the other targets' check() must not meet it
    _collected(errors)


def inside_files(data: bytes) -> None:
    """The same bytes as the namespace's nftables.conf (its include scan) and as a sysctl file, through inside.load."""
    etc = PATHS.netns_etc(NS)
    os.makedirs(f"{etc}/sysctl.d", exist_ok=True)
    files = (_write(f"{etc}/nftables.conf", data), _write(f"{etc}/sysctl.d/10-fuzz.conf", data))
    try:
        _loaded, errors = inside.load(PATHS, NS)
    finally:
        for path in files:
            os.unlink(path)  # the other targets' check() would run nft on it
    _collected(errors)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "interfaces": interfaces,
    "host": host,
    "xfrm": xfrm,
    "wireguard": wireguard_conf,
    "inside": inside_files,
}
