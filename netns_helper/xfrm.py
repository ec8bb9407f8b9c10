# SPDX-License-Identifier: GPL-3.0-or-later
"""The `xfrm` file: XFRM interfaces of an IPsec service, and the commands that set them up.

`/etc/netns/SERVICE/network/xfrm` is an INI file with one section per interface (the spec's
example: examples/strongswan/xfrm), its keys those of TABLE below.

Each interface is created in SERVICE's namespace (the kernel keeps the if_id reservation
in the namespace that creates it, where charon runs), moved into DestNetNS, and its
prefixes are routed there. The reader is our own, not configparser, so that every error
names its line. Conflicts between files are in xfrm_conflicts.py, the destination's uplink in
uplink.py, the `ip` commands in iproute.py, the plan in xfrm_planner.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network

from .errors import ConfigError, Loc
from .interfaces import PausedGC, read_config
from .names import check_ifname, check_netns_name
from .xfrm_conflicts import dest_conflicts

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


@dataclass
class _Section:
    name: str
    loc: Loc
    entries: dict[str, _Entry]
    ok: bool = True  # False: its header or one of its lines was refused; its values are still checked


@dataclass(frozen=True)
class Key:
    """One key of a section: how its value is read, whether it is mandatory, its default, its help.

    The README's table of keys is held against this table by a test.
    """

    name: str
    parse: Callable[[_Entry], object]
    help: str  # how the README's row for the key begins
    required: bool = False
    default: str | None = None  # as written in the file (SERVICE: the service's name)


def _text(entry: _Entry) -> str:
    return entry.value


def _number(key: str, low: int, high: int) -> Callable[[_Entry], int]:
    def parse(entry: _Entry) -> int:
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

    return parse


def _boolean(entry: _Entry) -> bool:
    word = entry.value.lower()
    if word not in _TRUE | _FALSE:
        raise ConfigError(f"BlockP2P={entry.value} is not a boolean", entry.loc, hint="use true or false")
    return word in _TRUE


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


def _netns(entry: _Entry) -> str:
    return check_netns_name(entry.value, entry.loc)


def _ifname(entry: _Entry) -> str:
    return check_ifname(entry.value, entry.loc)


TABLE = (
    Key("IfId", _number("IfId", 1, U32_MAX), "the interface ID, strongSwan's `if_id_in`/`if_id_out`", required=True),
    Key("Prefixes", _prefixes, "comma-separated IPv4 and IPv6 prefixes routed into the interface", required=True),
    Key("DestNetNS", _netns, "the destination namespace", default="xfrm_SERVICE"),
    Key("UnderlayDev", _ifname, "the physical interface, in the service's namespace, for hardware offload"),
    Key("BlockP2P", _boolean, "`true`: the prefixes' routes go into a table of their own", default="false"),
    Key("Table", _number("Table", 1, U32_MAX), "the BlockP2P routing table", default=str(BLOCK_P2P_TABLE)),
    Key("MTU", _number("MTU", MTU_MIN, MTU_MAX), f"{MTU_MIN} to {MTU_MAX}"),
)
KEYS = tuple(key.name for key in TABLE)
_BY_NAME = {key.name: key for key in TABLE}


def parse_xfrm(path: str, service: str, errors: list[ConfigError] | None = None) -> tuple[Xfrm, ...]:
    """Read SERVICE's xfrm file PATH; raise ConfigError with file:line on the first mistake.

    With ERRORS, collect every mistake of the file there, in file order, and return the
    interfaces that have none.
    """
    found: list[ConfigError] = []
    try:
        with PausedGC():
            items = _parse(path, read_config(path, None), service, found)
    except ConfigError as e:  # the file as a whole: missing, too large, a directory
        found, items = [e], ()
    if errors is None and found:
        raise found[0]
    if errors is not None:
        errors += found
    return items


def parse_xfrm_text(text: str, service: str, path: str = "<string>") -> tuple[Xfrm, ...]:
    """Parse TEXT as if it were SERVICE's xfrm file PATH."""
    found: list[ConfigError] = []
    items = _parse(path, text.encode(), service, found)
    if found:
        raise found[0]
    return items


def _parse(path: str, data: bytes, service: str, errors: list[ConfigError]) -> tuple[Xfrm, ...]:
    items: list[Xfrm] = []
    if_ids: dict[int, tuple[str, Loc]] = {}
    for section in _sections(path, data, errors):
        item = _xfrm(section, service, errors)
        if item is None:
            continue
        if item.if_id in if_ids:
            other, other_loc = if_ids[item.if_id]
            errors.append(
                ConfigError(
                    f"IfId {item.if_id} is also the IfId of [{other}] (line {other_loc.line})",
                    section.entries["IfId"].loc,
                    hint="the kernel refuses two XFRM interfaces with one if_id in a namespace",
                )
            )
            continue
        if_ids[item.if_id] = (item.name, section.entries["IfId"].loc)
        items.append(item)
    conflicts = dest_conflicts(items)
    errors += conflicts
    errors.sort(key=lambda e: e.loc.line if e.loc else 0)  # stable: one line's errors keep their order
    clashing = {e.loc for e in conflicts}
    return tuple(item for item in items if item.loc not in clashing)


def _sections(path: str, data: bytes, errors: list[ConfigError]) -> list[_Section]:
    sections: list[_Section] = []
    seen: dict[str, Loc] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        loc = Loc(path, number)
        try:
            _line(raw, loc, sections, seen)
        except ConfigError as e:
            errors.append(e)
            if sections:
                sections[-1].ok = False  # one problem, one report: not also a key it seems to lack
    return sections


def _line(raw: bytes, loc: Loc, sections: list[_Section], seen: dict[str, Loc]) -> None:
    if b"\x00" in raw:
        raise ConfigError("NUL byte in line", loc)
    try:
        line = raw.decode("utf-8").removeprefix("\ufeff").strip()
    except UnicodeDecodeError:
        raise ConfigError("line is not valid UTF-8 text", loc) from None
    if not line or line[0] in "#;":
        return
    if line.startswith("["):
        # A refused header still opens a section, so that its keys are not blamed for it.
        sections.append(_Section(line[1:].rstrip("]").strip(), loc, {}, ok=False))
        if not line.endswith("]"):
            raise ConfigError(f"section header {_short(line)} does not end with ']'", loc)
        name = check_ifname(line[1:-1].strip(), loc)
        if name in seen:
            raise ConfigError(f"section [{name}] is already at line {seen[name].line}", loc)
        seen[name] = loc
        sections[-1] = _Section(name, loc, {})
        return
    key, sep, value = line.partition("=")
    key, value = key.strip(), value.strip()
    if not sep or not key:
        raise ConfigError(f"expected `[NAME]` or `Key=Value`, not {_short(line)}", loc)
    if not sections:
        raise ConfigError(
            f"`{key}=` outside any section", loc, hint="each interface starts with a `[NAME]` line, e.g. [ipsec0]"
        )
    section = sections[-1]
    if key not in _BY_NAME:
        raise ConfigError(f"unknown key {key!r} in [{section.name}]", loc, hint=_suggest(key))
    if key in section.entries:
        raise ConfigError(f"{key} is already set in [{section.name}] at line {section.entries[key].loc.line}", loc)
    if not value:
        raise ConfigError(f"{key} has no value", loc)
    section.entries[key] = _Entry(value, loc)


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


def _values(section: _Section, service: str, errors: list[ConfigError]) -> dict[str, object] | None:
    """Each key's value, read by the table's parser (defaults too); None after an error."""
    values: dict[str, object] = {}
    ok = section.ok
    for key in TABLE:
        entry = section.entries.get(key.name)
        if entry is None and key.required:
            if section.ok:
                errors.append(ConfigError(f"[{section.name}] has no {key.name}= (it is mandatory)", section.loc))
            ok = False
            continue
        if entry is None and key.default is None:
            values[key.name] = None
            continue
        if entry is None:
            entry = _Entry(str(key.default).replace("SERVICE", service), section.loc)
        try:
            values[key.name] = key.parse(entry)
        except ConfigError as e:
            errors.append(e)
            ok = False
    return values if ok else None


def _xfrm(section: _Section, service: str, errors: list[ConfigError]) -> Xfrm | None:
    """SECTION's interface, once its values agree with each other; None after an error."""
    values = _values(section, service, errors)
    if values is None:
        return None
    if_id, prefixes, dest, underlay = values["IfId"], values["Prefixes"], values["DestNetNS"], values["UnderlayDev"]
    block_p2p, table, mtu = values["BlockP2P"], values["Table"], values["MTU"]
    assert isinstance(if_id, int) and isinstance(prefixes, tuple) and isinstance(dest, str)
    assert isinstance(block_p2p, bool) and isinstance(table, int)
    assert (underlay is None or isinstance(underlay, str)) and (mtu is None or isinstance(mtu, int))
    entries = section.entries
    before = len(errors)
    if dest == service:
        errors.append(
            ConfigError(
                f"DestNetNS {dest} is the service's own namespace",
                entries["DestNetNS"].loc,
                hint="the tunnelled traffic goes into another namespace; leave DestNetNS out for xfrm_" + service,
            )
        )
    if underlay == section.name:
        errors.append(
            ConfigError(f"UnderlayDev of [{section.name}] is the interface itself", entries["UnderlayDev"].loc)
        )
    if mtu is not None and mtu < IPV6_MIN_MTU and any(p.version == 6 for p in prefixes):
        errors.append(
            ConfigError(
                f"MTU {mtu} is below {IPV6_MIN_MTU}, the IPv6 minimum, and Prefixes has IPv6 prefixes",
                entries["MTU"].loc,
                hint="the kernel refuses IPv6 routes into a device with a smaller MTU",
            )
        )
    if "Table" in entries and not block_p2p:
        errors.append(
            ConfigError(
                "Table= is used only with BlockP2P=true",
                entries["Table"].loc,
                hint="without BlockP2P, routes go to the main table",
            )
        )
    elif table in _RESERVED_TABLES:
        errors.append(
            ConfigError(
                f"Table {table} is the kernel's {_RESERVED_TABLES[table]} table",
                entries["Table"].loc,
                hint=f"choose a table of its own, e.g. the default {BLOCK_P2P_TABLE}",
            )
        )
    if len(errors) > before:
        return None
    return Xfrm(section.name, if_id, prefixes, dest, underlay, block_p2p, mtu, table, section.loc)
