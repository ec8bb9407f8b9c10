# SPDX-License-Identifier: GPL-3.0-or-later
"""The host's own network managers, from their files: which of them would manage a given NIC.

systemd-networkd configures every link a `.network` file's `[Match] Name=` matches, and
NetworkManager every device it is not told to leave alone; both take a NIC back the moment
`stop` returns it to the host, and fight over it before a namespace takes it at boot.
Read-only, no process: `check` and `start` warn from these.
"""

from __future__ import annotations

import fnmatch
import os

from . import values
from .errors import Loc
from .interfaces import glob_star

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .facts import Paths


@values.value
class Manager:
    """A network manager enabled on the host (ENABLED: the unit's wants link) and what it manages."""

    name: str
    enabled: str
    claims: tuple[tuple[tuple[str, ...], bool, Loc], ...]  # (name globs, inverted by `!`, where it says so)
    leaves: tuple[str, ...] = ()  # globs of interface names it leaves alone
    veths: bool = True  # whether it takes veth links too (NetworkManager's udev rules leave them alone)


def _enabled(paths: Paths, unit: str) -> str | None:
    """The first (by path) of SYSTEMD_DIR/*.wants/UNIT, as glob finds it."""
    found = (f"{wants}/{unit}" for wants in glob_star(paths.systemd_dir, ".wants"))
    return min((path for path in found if os.path.lexists(path)), default=None)


def _network_files(paths: Paths) -> list[str]:
    """networkd's .network files by name, the first directory winning (/etc over /run over /usr/lib)."""
    chosen: dict[str, str] = {}
    for base in (f"{paths.etc}/systemd/network", f"{paths.run}/systemd/network", f"{paths.usr_lib}/systemd/network"):
        for path in glob_star(base, ".network"):
            chosen.setdefault(os.path.basename(path), path)
    return [chosen[name] for name in sorted(chosen)]


def _ini_lines(path: str) -> list[tuple[int, str, str, str]]:
    """(line number, section, key, value) of an INI-style file; nothing if it cannot be read."""
    out = []
    section = ""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif "=" in line:
            key, _, value = line.partition("=")
            out.append((number, section, key.strip(), value.strip()))
    return out


def _networkd(paths: Paths) -> Manager | None:
    enabled = _enabled(paths, "systemd-networkd.service")
    if enabled is None:
        return None
    claims: list[tuple[tuple[str, ...], bool, Loc]] = []
    for path in _network_files(paths):
        if os.path.realpath(path) == os.devnull:
            continue  # masked
        lines = _ini_lines(path)
        match = [(n, k, v) for n, s, k, v in lines if s == "Match"]
        names = [(n, v) for n, k, v in match if k == "Name"]
        if not match:
            claims.append((("*",), False, Loc(path, 1)))  # an empty [Match] matches every link
        for number, value in names:
            inverted = value.startswith("!")  # the whole list is inverted (systemd.network(5))
            claims.append((tuple(value.removeprefix("!").split()), inverted, Loc(path, number)))
    return Manager("systemd-networkd", enabled, tuple(claims))


def _network_manager(paths: Paths) -> Manager | None:
    enabled = _enabled(paths, "NetworkManager.service")
    if enabled is None:
        return None
    base = f"{paths.etc}/NetworkManager"
    leaves: list[str] = []
    for path in [f"{base}/NetworkManager.conf", *glob_star(f"{base}/conf.d", ".conf")]:
        for _, section, key, value in _ini_lines(path):
            if section == "keyfile" and key == "unmanaged-devices":
                leaves += [
                    s.removeprefix("interface-name:") for s in value.split(";") if s.startswith("interface-name:")
                ]
    return Manager("NetworkManager", enabled, ((("*",), False, Loc(enabled, 1)),), tuple(leaves), veths=False)


def managers(paths: Paths) -> tuple[Manager, ...]:
    """The network managers enabled on the host, by their files."""
    return tuple(m for m in (_networkd(paths), _network_manager(paths)) if m is not None)


def managed_by(manager: Manager, dev: str) -> Loc | None:
    """Where MANAGER says it manages DEV (None: it leaves DEV alone)."""
    if any(fnmatch.fnmatchcase(dev, pattern) for pattern in manager.leaves):
        return None
    for patterns, inverted, loc in manager.claims:
        if any(fnmatch.fnmatchcase(dev, pattern) for pattern in patterns) != inverted:
            return loc
    return None
