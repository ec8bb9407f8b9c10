# SPDX-License-Identifier: GPL-3.0-or-later
"""The uplink of a destination namespace: the interface of its interfaces file that carries the
default route (a `gateway`, or an `up ip route add default ...` line). BlockP2P's rules need it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from .errors import ConfigError, Loc
from .interfaces import Interfaces

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .xfrm import Xfrm

_SEPARATORS_RE = re.compile(r"[;&|]+")
_ADD_VERBS = frozenset({"a", "ad", "add", "replace", "append", "prepend"})
_DEFAULT_WORDS = frozenset({"default", "0.0.0.0/0", "0/0", "::/0"})


def uplink(dest_config: Interfaces) -> str | None:
    """The interface that carries the default route in DEST_CONFIG, or None.

    Looks at interfaces brought up by `ifup -a` or hotplug: an `iface` with a `gateway`,
    or with an `up`/`post-up` command that runs `ip [-6] route add default ...`.
    Raises ConfigError when two different interfaces carry one.
    """
    brought_up = {n for n, _ in dest_config.allowed("auto")} | {n for n, _ in dest_config.allowed("hotplug")}
    found: dict[str, Loc] = {}
    for iface in dest_config.ifaces:
        if iface.name not in brought_up:
            continue
        dev = iface.name.split(":", 1)[0]
        for opt in iface.values("gateway"):
            found.setdefault(dev, opt.loc)
        for opt in (*iface.values("up"), *iface.values("post-up")):
            routed = _default_route_dev(opt.value, dev)
            if routed is not None:
                found.setdefault(routed, opt.loc)
    if len(found) > 1:
        (first, first_loc), (second, second_loc) = list(found.items())[:2]
        raise ConfigError(
            f"both {first} ({first_loc}) and {second} carry a default route: which one is the uplink?",
            second_loc,
            hint="BlockP2P lets only traffic arriving on the uplink use the VPN routes; keep one default route",
        )
    return next(iter(found), None)


def _default_route_dev(command: str, dev: str) -> str | None:
    """The device of a default route COMMAND adds in this namespace (DEV unless it says `dev`)."""
    for part in _SEPARATORS_RE.split(command):
        words = part.split()
        starts = [i for i, w in enumerate(words) if w.rsplit("/", 1)[-1] == "ip"]
        if not starts:
            continue
        rest = words[starts[0] + 1 :]
        while rest and rest[0].startswith("-"):
            if rest[0] in ("-n", "-netns"):
                break  # a route in another namespace
            rest = rest[2:] if rest[0] in ("-f", "-family") else rest[1:]
        if len(rest) < 3 or not "route".startswith(rest[0]) or rest[1] not in _ADD_VERBS:
            continue
        args = rest[2:]
        options: dict[str, str] = dict(pairwise(args))
        if not _DEFAULT_WORDS & set(args) or options.get("table", "main") not in ("main", "254"):
            continue
        if "vrf" in options:
            continue
        return options.get("dev", dev)
    return None


def block_p2p_uplink(items: Sequence[Xfrm], dest_config: Interfaces) -> str | None:
    """The uplink that BlockP2P rules need; None if no item uses BlockP2P.

    Raises ConfigError (at the first BlockP2P section) when DEST_CONFIG has no uplink.
    """
    needing = [item for item in items if item.block_p2p]
    if not needing:
        return None
    found = uplink(dest_config)
    if found is None:
        raise ConfigError(
            f"BlockP2P needs the uplink of namespace {needing[0].dest_netns}, but no interface in "
            f"{dest_config.path} carries a default route",
            needing[0].loc,
            hint="give the uplink's iface stanza a `gateway`, or an `up ip route add default ...`",
        )
    return found
