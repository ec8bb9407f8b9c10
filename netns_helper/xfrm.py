"""The `xfrm` file: XFRM interfaces of an IPsec service, and the commands that set them up.

`/etc/netns/SERVICE/network/xfrm` is an INI file with one section per interface:

    [ipsec1]
    IfId=18
    DestNetNS=tunnel2
    UnderlayDev=ens5
    Prefixes=10.143.14.0/23, 10.143.18.0/27
    BlockP2P=true

Each interface is created in SERVICE's namespace (the kernel keeps the if_id reservation
in the namespace that creates it, where charon runs), moved into DestNetNS, and its
prefixes are routed there. The reader is our own, not configparser, so that every error
names its line. Builders here return commands as data and run nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from itertools import pairwise

from .commands import Run
from .errors import ConfigError, Loc
from .interfaces import Interfaces, read_config
from .iproute import IP
from .names import check_ifname, check_netns_name

KEYS = ("IfId", "Prefixes", "DestNetNS", "UnderlayDev", "BlockP2P", "MTU", "Table")

# The routing table of BlockP2P routes unless `Table=` says otherwise. Above 255, so it
# collides neither with the kernel's reserved tables nor with the 1..252 range admins
# traditionally name in /etc/iproute2/rt_tables.
BLOCK_P2P_TABLE = 1000
_RESERVED_TABLES = {253: "default", 254: "main", 255: "local"}
U32_MAX = 0xFFFFFFFF
MTU_MIN, MTU_MAX = 68, 65535
# Below this MTU the kernel drops the device's IPv6 state: `ip -6 route add ... dev` then
# fails with "No such device".
IPV6_MIN_MTU = 1280

_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
# No octal: strongSwan reads `if_id_in = 017` as 15, so a leading zero is refused.
_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+|[1-9][0-9]*|0")

Prefix = IPv4Network | IPv6Network


@dataclass(frozen=True)
class Xfrm:
    """One section of the xfrm file: an XFRM interface and the prefixes routed into it."""

    name: str
    if_id: int
    prefixes: tuple[Prefix, ...]
    dest_netns: str
    underlay: str | None
    block_p2p: bool
    mtu: int | None
    table: int  # used only with block_p2p; routes go to the main table otherwise
    loc: Loc

    @property
    def versions(self) -> tuple[int, ...]:
        """The IP versions (4, 6) of the prefixes, in that order."""
        return tuple(v for v in (4, 6) if any(p.version == v for p in self.prefixes))


@dataclass(frozen=True)
class _Entry:
    value: str
    loc: Loc


@dataclass(frozen=True)
class _Section:
    name: str
    loc: Loc
    entries: dict[str, _Entry]


def parse_xfrm(path: str, service: str) -> tuple[Xfrm, ...]:
    """Read SERVICE's xfrm file PATH; raise ConfigError with file:line on any mistake."""
    return _parse(path, read_config(path, None), service)


def parse_xfrm_text(text: str, service: str, path: str = "<string>") -> tuple[Xfrm, ...]:
    """Parse TEXT as if it were SERVICE's xfrm file PATH."""
    return _parse(path, text.encode(), service)


def _parse(path: str, data: bytes, service: str) -> tuple[Xfrm, ...]:
    items: list[Xfrm] = []
    if_ids: dict[int, tuple[str, Loc]] = {}
    for section in _sections(path, data):
        item = _xfrm(section, service)
        if item.if_id in if_ids:
            other, other_loc = if_ids[item.if_id]
            raise ConfigError(
                f"IfId {item.if_id} is also the IfId of [{other}] (line {other_loc.line})",
                section.entries["IfId"].loc,
                hint="the kernel refuses two XFRM interfaces with one if_id in a namespace",
            )
        if_ids[item.if_id] = (item.name, section.entries["IfId"].loc)
        items.append(item)
    check_dest_conflicts(items)
    return tuple(items)


def _sections(path: str, data: bytes) -> list[_Section]:
    sections: list[_Section] = []
    seen: dict[str, Loc] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        loc = Loc(path, number)
        if b"\x00" in raw:
            raise ConfigError("NUL byte in line", loc)
        try:
            line = raw.decode("utf-8").removeprefix("\ufeff").strip()
        except UnicodeDecodeError:
            raise ConfigError("line is not valid UTF-8 text", loc) from None
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise ConfigError(f"section header {_short(line)} does not end with ']'", loc)
            name = check_ifname(line[1:-1].strip(), loc)
            if name in seen:
                raise ConfigError(f"section [{name}] is already at line {seen[name].line}", loc)
            seen[name] = loc
            sections.append(_Section(name, loc, {}))
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ConfigError(f"expected `[NAME]` or `Key=Value`, not {_short(line)}", loc)
        if not sections:
            raise ConfigError(
                f"`{key}=` outside any section", loc, hint="each interface starts with a `[NAME]` line, e.g. [ipsec0]"
            )
        section = sections[-1]
        if key not in KEYS:
            raise ConfigError(f"unknown key {key!r} in [{section.name}]", loc, hint=_suggest(key))
        if key in section.entries:
            raise ConfigError(f"{key} is already set in [{section.name}] at line {section.entries[key].loc.line}", loc)
        if not value:
            raise ConfigError(f"{key} has no value", loc)
        section.entries[key] = _Entry(value, loc)
    return sections


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _suggest(key: str) -> str:
    by_case = {k.lower(): k for k in KEYS}
    if key.lower() in by_case:
        return f"did you mean {by_case[key.lower()]}? (keys are case-sensitive)"
    import difflib  # only on this error path: it costs start-up time

    close = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}?"
    return "known keys: " + ", ".join(KEYS)


def _xfrm(section: _Section, service: str) -> Xfrm:
    entries = section.entries
    for key in ("IfId", "Prefixes"):
        if key not in entries:
            raise ConfigError(f"[{section.name}] has no {key}= (it is mandatory)", section.loc)
    if_id = _number(entries["IfId"], "IfId", 1, U32_MAX)
    prefixes = _prefixes(entries["Prefixes"])

    dest = f"xfrm_{service}"
    dest_loc = section.loc
    if "DestNetNS" in entries:
        dest, dest_loc = entries["DestNetNS"].value, entries["DestNetNS"].loc
    check_netns_name(dest, dest_loc)
    if dest == service:
        raise ConfigError(
            f"DestNetNS {dest} is the service's own namespace",
            dest_loc,
            hint="the tunnelled traffic goes into another namespace; leave DestNetNS out for xfrm_" + service,
        )

    underlay = None
    if "UnderlayDev" in entries:
        entry = entries["UnderlayDev"]
        underlay = check_ifname(entry.value, entry.loc)
        if underlay == section.name:
            raise ConfigError(f"UnderlayDev of [{section.name}] is the interface itself", entry.loc)

    block_p2p = False
    if "BlockP2P" in entries:
        entry = entries["BlockP2P"]
        word = entry.value.lower()
        if word not in _TRUE | _FALSE:
            raise ConfigError(f"BlockP2P={entry.value} is not a boolean", entry.loc, hint="use true or false")
        block_p2p = word in _TRUE

    mtu = None
    if "MTU" in entries:
        entry = entries["MTU"]
        mtu = _number(entry, "MTU", MTU_MIN, MTU_MAX)
        if mtu < IPV6_MIN_MTU and any(p.version == 6 for p in prefixes):
            raise ConfigError(
                f"MTU {mtu} is below {IPV6_MIN_MTU}, the IPv6 minimum, and Prefixes has IPv6 prefixes",
                entry.loc,
                hint="the kernel refuses IPv6 routes into a device with a smaller MTU",
            )

    table = BLOCK_P2P_TABLE
    if "Table" in entries:
        entry = entries["Table"]
        if not block_p2p:
            raise ConfigError(
                "Table= is used only with BlockP2P=true",
                entry.loc,
                hint="without BlockP2P, routes go to the main table",
            )
        table = _number(entry, "Table", 1, U32_MAX)
        if table in _RESERVED_TABLES:
            raise ConfigError(
                f"Table {table} is the kernel's {_RESERVED_TABLES[table]} table",
                entry.loc,
                hint=f"choose a table of its own, e.g. the default {BLOCK_P2P_TABLE}",
            )

    return Xfrm(section.name, if_id, prefixes, dest, underlay, block_p2p, mtu, table, section.loc)


def _number(entry: _Entry, key: str, low: int, high: int) -> int:
    text = entry.value
    if not _NUMBER_RE.fullmatch(text):
        raise ConfigError(
            f"{key}={text} is not a number",
            entry.loc,
            hint="write a decimal number without leading zeros, or a hex number starting with 0x",
        )
    value = int(text, 16 if text[:2] in ("0x", "0X") else 10)
    if not low <= value <= high:
        raise ConfigError(f"{key} {text} is out of range {low}..{high}", entry.loc)
    return value


def _prefixes(entry: _Entry) -> tuple[Prefix, ...]:
    out: dict[Prefix, None] = {}
    for raw in entry.value.split(","):
        item = raw.strip()
        if not item:
            raise ConfigError("empty item in Prefixes", entry.loc, hint="separate prefixes by single commas")
        if "/" not in item:
            raise ConfigError(f"prefix {item} has no length", entry.loc, hint=f"for one host, write {item}/32 or /128")
        if "%" in item:
            raise ConfigError(f"prefix {item} has a scope; routes take plain prefixes", entry.loc)
        try:
            net = ip_network(item, strict=True)
        except ValueError:
            try:
                loose = ip_network(item, strict=False)
            except ValueError:
                raise ConfigError(f"invalid prefix {item!r}", entry.loc) from None
            raise ConfigError(f"prefix {item} has host bits set", entry.loc, hint=f"did you mean {loose}?") from None
        if net in out:
            raise ConfigError(f"prefix {net} is listed twice in Prefixes", entry.loc)
        out[net] = None
    return tuple(out)


def check_dest_conflicts(items: Sequence[Xfrm]) -> None:
    """Refuse interfaces or routes that would clash in one destination namespace.

    Works across files too: the planner passes every item bound for a namespace, from
    every service that names it.
    """
    names: dict[tuple[str, str], Xfrm] = {}
    routes: dict[tuple[str, int | None, Prefix], Xfrm] = {}
    for item in items:
        other = names.setdefault((item.dest_netns, item.name), item)
        if other is not item:
            raise ConfigError(
                f"namespace {item.dest_netns} would get two interfaces named {item.name} (the other is at {other.loc})",
                item.loc,
            )
        table = item.table if item.block_p2p else None
        for prefix in item.prefixes:
            other = routes.setdefault((item.dest_netns, table, prefix), item)
            if other is not item:
                where = f"table {table}" if table else "the main table"
                raise ConfigError(
                    f"route {prefix} in {where} of namespace {item.dest_netns} is also routed into "
                    f"[{other.name}] at {other.loc}",
                    item.loc,
                )


# --- the destination namespace's uplink --------------------------------------------------

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


# --- builders ------------------------------------------------------------------------------


def xfrm_add(service_netns: str, name: str, if_id: int, underlay: str | None, mtu: int | None) -> Run:
    """Create XFRM interface NAME in the service's namespace, where its if_id is reserved.

    `name NAME`, not a bare NAME: ip reads a bare `a` or `type` as a keyword. `mtu` must
    come before `type xfrm`, after which only xfrm's own options are accepted.
    """
    head = (IP, "-n", service_netns, "link", "add", "name", name)
    mtu_args = ("mtu", str(mtu)) if mtu is not None else ()
    dev_args = ("dev", underlay) if underlay is not None else ()
    return Run((*head, *mtu_args, "type", "xfrm", *dev_args, "if_id", str(if_id)))


def xfrm_move(service_netns: str, name: str, dest_netns: str) -> Run:
    return Run((IP, "-n", service_netns, "link", "set", "dev", name, "netns", dest_netns))


def routes_batch(dest_netns: str, items: Sequence[Xfrm], uplink: str | None) -> tuple[Run, ...]:
    """The routes (and BlockP2P rules) of ITEMS in DEST_NETNS: one `ip -batch` per IP version.

    iproute2 6.1 takes no family per line of a batch, and `ip rule add` does not take it
    from a `from ::/0` prefix (it adds an IPv4 rule), so IPv6 rules need `ip -6`.
    The interfaces must be up: the kernel refuses routes into a device that is down.
    One copy of each rule per call, with no fixed `pref`: two services sharing a
    namespace, uplink and table each own a copy, and each stop deletes one.
    """
    routes: dict[int, list[str]] = {4: [], 6: []}
    rules: dict[int, dict[str, None]] = {4: {}, 6: {}}
    for item in items:
        _check_batch_item(dest_netns, item, uplink)
        table = f" table {item.table}" if item.block_p2p else ""
        for prefix in item.prefixes:
            routes[prefix.version].append(f"route add {prefix} dev {item.name}{table}")
            if item.block_p2p:
                rules[prefix.version][f"rule add iif {uplink} lookup {item.table}"] = None
    return tuple(
        _batch(dest_netns, version, [*routes[version], *rules[version]]) for version in (4, 6) if routes[version]
    )


def routes_delete_batch(dest_netns: str, items: Sequence[Xfrm], uplink: str | None) -> tuple[Run, ...]:
    """What stop must delete of `routes_batch`'s work when DEST_NETNS stays up: the rules.

    Routes go with their device (deleting the XFRM interface deletes them); rules outlive
    both the interface and the uplink. `-force` tries every line even if one fails.
    """
    rules: dict[int, dict[str, None]] = {4: {}, 6: {}}
    for item in items:
        _check_batch_item(dest_netns, item, uplink)
        if item.block_p2p:
            for version in item.versions:
                rules[version][f"rule del iif {uplink} lookup {item.table}"] = None
    return tuple(_batch(dest_netns, version, list(rules[version]), force=True) for version in (4, 6) if rules[version])


def _check_batch_item(dest_netns: str, item: Xfrm, uplink: str | None) -> None:
    if item.dest_netns != dest_netns:
        raise ValueError(f"[{item.name}] goes into {item.dest_netns}, not {dest_netns}")
    if item.block_p2p and uplink is None:
        raise ValueError(f"[{item.name}] has BlockP2P but no uplink was given")


def _batch(netns: str, version: int, lines: list[str], force: bool = False) -> Run:
    force_args = ("-force",) if force else ()
    return Run((IP, *force_args, "-n", netns, f"-{version}", "-batch", "-"), stdin="\n".join(lines) + "\n")


def forwarding_on(dest_netns: str, items: Sequence[Xfrm], explicit: frozenset[int] = frozenset()) -> Run | None:
    """Enable forwarding in DEST_NETNS for each IP version ITEMS route (None if none).

    EXPLICIT: the versions whose forwarding the namespace's sysctl files set; theirs wins.

    `tee` (coreutils, always installed) rather than `sysctl` (procps, not always):
    /proc/sys/net is the writer's namespace's.
    """
    versions = {v for item in items for v in item.versions} - explicit
    paths = [
        path
        for version, path in ((4, "/proc/sys/net/ipv4/ip_forward"), (6, "/proc/sys/net/ipv6/conf/all/forwarding"))
        if version in versions
    ]
    if not paths:
        return None
    return Run((IP, "netns", "exec", dest_netns, "tee", *paths), stdin="1\n", quiet=True)
