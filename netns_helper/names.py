# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation of the names that end up in paths and in `ip` arguments."""

from __future__ import annotations

import re

from .errors import ConfigError, Loc

# Linux IFNAMSIZ is 16 bytes including the terminating NUL.
IFNAME_MAX = 15
# A namespace's name is the instance of its unit, and systemd's unit names have at most 255
# bytes: 233 for NAME in systemd-netns@NAME.service. (Its other files are shorter:
# NAME.lock, SERVICE.service.d/, /run/netns/NAME.)
UNIT_NAME_MAX = 255
TEMPLATE_UNIT = "systemd-netns@{name}.service"
NETNS_NAME_MAX = UNIT_NAME_MAX - len(TEMPLATE_UNIT.format(name=""))

_NETNS_RE = re.compile(r"[A-Za-z0-9_.-]+")
# The kernel refuses '/', ':' and white space in device names (ifupdown's `name:label`
# aliases are not devices and are never moved). We also refuse what other readers of the
# name would take for syntax: a leading '-' (an option to ifup or ip), and '#', quotes
# and backslashes (comments and quoting in `ip -batch` input).
_IFNAME_RE = re.compile(r"(?!-)[^/:\s\x00-\x1f\x7f#\"'\\]+")
_VLAN_RE = re.compile(r"(?P<parent>.+)\.(?P<vid>[0-9]+)")


def check_netns_name(name: str, loc: Loc | None = None) -> str:
    """Return NAME if it can be a file in /run/netns and a unit instance, else raise."""
    if name in ("", ".", "..") or name.startswith("-") or not _NETNS_RE.fullmatch(name):
        raise ConfigError(
            f"invalid namespace name {name!r}",
            loc,
            hint="a namespace name is a file in /run/netns: use letters, digits, '_', '.' and '-'",
        )
    if len(name.encode()) > NETNS_NAME_MAX:
        raise ConfigError(
            f"namespace name {name[:20]!r}... is longer than {NETNS_NAME_MAX} bytes",
            loc,
            hint=f"its unit {TEMPLATE_UNIT.format(name='NAME')} must fit systemd's {UNIT_NAME_MAX}-byte unit names",
        )
    return name


def check_ifname(name: str, loc: Loc | None = None) -> str:
    """Return NAME if the kernel accepts it as a network device name, else raise."""
    if name in ("", ".", "..") or not _IFNAME_RE.fullmatch(name):
        raise ConfigError(
            f"invalid interface name {name!r}",
            loc,
            hint="no '/', ':', white space, control characters, '#', quotes or backslashes, nor a leading '-'",
        )
    if len(name.encode()) > IFNAME_MAX:
        raise ConfigError(
            f"interface name {name!r} is longer than {IFNAME_MAX} bytes",
            loc,
            hint="the kernel limits network interface names to 15 bytes",
        )
    return name


def split_vlan(name: str) -> tuple[str, int] | None:
    """`eth1.124` -> ("eth1", 124); None when NAME is not a PARENT.VID name."""
    match = _VLAN_RE.fullmatch(name)
    if not match:
        return None
    return match["parent"], int(match["vid"])
