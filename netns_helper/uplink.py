# SPDX-License-Identifier: GPL-3.0-or-later
"""What a destination namespace's own file does with `ip` in its up lines: its uplink, the
interface that carries the default route (a `gateway`, or an `up ip route add default ...` line),
which BlockP2P's rules need; and the links its `pre-up`/`up` lines create (`ip link add NAME ...`),
which no XFRM interface moved in after its ifup may be named like."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import pairwise

from .errors import ConfigError, Loc
from .interfaces import Interfaces

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .xfrm import Xfrm

_SEPARATORS_RE = re.compile(r"[;&|]+")
# Shell words that may stand before a command (`if ip link add ...; then`, `exec /sbin/ip ...`).
_BEFORE_COMMAND = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "exec", "command"})
_ADD_VERBS = frozenset({"a", "ad", "add", "replace", "append", "prepend"})
_DEFAULT_WORDS = frozenset({"default", "0.0.0.0/0", "0/0", "::/0"})
# The options of `ip link add` before `type` that take a value (which is not the new link's name).
_LINK_VALUES = frozenset(
    {"link", "address", "broadcast", "brd", "txqueuelen", "txqlen", "qlen", "mtu", "index", "numtxqueues"}
    | {"numrxqueues", "group", "master", "alias", "gso_max_size", "gso_max_segs", "gro_max_size", "parentdev"}
)
_TUNNEL_VALUES = frozenset(
    {"mode", "remote", "local", "ttl", "hoplimit", "tos", "dsfield", "tclass", "dev", "key", "ikey", "okey"}
    | {"encaplimit", "flowlabel"}
)
# `ip OBJECT add ...` commands that create a link, in ip's order of objects (ip reads an abbreviation
# as the first object it begins): OBJECT -> (the words before the new link's name (else it is the
# first word that is not an option's value), the options that take a value).
_CREATES_LINK = {
    "link": (("name", "dev"), _LINK_VALUES),
    "tunnel": (("name",), _TUNNEL_VALUES),
    "tunl": (("name",), _TUNNEL_VALUES),
    "tuntap": (("name", "dev"), frozenset({"mode", "user", "group"})),
    "tap": (("name", "dev"), frozenset({"mode", "user", "group"})),
}


def uplink(dest_config: Interfaces) -> str | None:
    """The interface that carries the default route in DEST_CONFIG, or None.

    Looks at interfaces brought up by `ifup -a` or hotplug: an `iface` with a `gateway`,
    or with an `up`/`post-up` command that runs `ip [-6] route add default ...`.
    Raises ConfigError when two different interfaces carry one.
    """
    brought_up = dest_config.brought_up()
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


def _ip_commands(command: str) -> Iterator[list[str]]:
    """The words after `ip` and its global options of each `ip` command in shell line COMMAND
    that acts on this namespace (not one with `-n NS`)."""
    for part in _SEPARATORS_RE.split(command):
        words = part.split()
        starts = [i for i, w in enumerate(words) if w not in _BEFORE_COMMAND]
        if not starts or words[starts[0]].rsplit("/", 1)[-1] != "ip":
            continue  # not ip, or an argument of another command (`echo ip link add ...`)
        rest = words[starts[0] + 1 :]
        while rest and rest[0].startswith("-"):
            if rest[0] in ("-n", "-netns"):
                break  # in another namespace
            rest = rest[2:] if rest[0] in ("-f", "-family") else rest[1:]
        if rest and not rest[0].startswith("-"):
            yield rest


def _default_route_dev(command: str, dev: str) -> str | None:
    """The device of a default route COMMAND adds in this namespace (DEV unless it says `dev`)."""
    for rest in _ip_commands(command):
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


def created_links(config: Interfaces) -> dict[str, Loc]:
    """The links that the `pre-up` and `up` lines of CONFIG's interfaces brought up create in this
    namespace (`ip link add NAME type dummy`, a veth's peer too, `ip tuntap add`, `ip tunnel add`),
    each with the line's location; not one created in another namespace (`ip -n NS`, `netns NS`)."""
    brought_up = config.brought_up()
    found: dict[str, Loc] = {}
    for iface in config.ifaces:
        if iface.name not in brought_up:
            continue
        for opt in (*iface.values("pre-up"), *iface.values("up"), *iface.values("post-up")):
            for rest in _ip_commands(opt.value):
                obj = next((o for o in _CREATES_LINK if o.startswith(rest[0])), None)
                if obj is None or len(rest) < 2 or not ("add".startswith(rest[1]) or rest[1] == "replace"):
                    continue
                naming, values = _CREATES_LINK[obj]
                for name in _new_links(rest[2:], naming, values):
                    found.setdefault(name, opt.loc)
    return found


def _new_links(args: list[str], naming: tuple[str, ...], values: frozenset[str]) -> list[str]:
    """The names of the links an `ip OBJECT add ARGS` creates here: its own and a veth's `peer`,
    each unless its `netns NS` puts it in another namespace."""
    names: list[str] = []
    i = 0
    while True:  # once for the link, once more for each `peer` after its `type`
        own: dict[str, str] = {}  # a naming word ("" for the first other word) -> the name after it
        here = True
        while i < len(args) and args[i] != "type":
            word = args[i]
            if word in naming or word in values or word == "netns":
                here = here and word != "netns"
                if word in naming and i + 1 < len(args):
                    own.setdefault(word, args[i + 1])
                i += 2
            else:
                own.setdefault("", word)
                i += 1
        name = next((own[w] for w in (*naming, "") if w in own), None)
        if name and here:
            names.append(name)
        while i < len(args) and args[i] != "peer":
            i += 1
        if i >= len(args):
            return names
        i += 1


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
