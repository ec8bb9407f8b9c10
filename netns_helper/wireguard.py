# SPDX-License-Identifier: GPL-3.0-or-later
"""WireGuard interfaces of a namespace: their files, the rules they must follow, the commands.

`/etc/netns/NAME/wireguard/WG.conf` in wg(8)'s `setconf` format makes interface WG of NAME's
interfaces file a WireGuard interface. Start creates it in its birth namespace (the host, or
the one its stanza's `wireguard-birth-netns` option names) under a temporary name, applies the
file there with `wg setconf` (endpoint host names resolve there, where the UDP socket stays),
then moves it into NAME under its own name in one `ip link set`; ifupdown inside gives it its
addresses and routes. The temporary name keeps starts of several namespaces with a `wg0` each
from meeting in the birth namespace. Builders here return commands as data and run nothing.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from . import iproute
from .commands import SELF_NETNS, Run, Step
from .errors import ConfigError, Loc, Problem
from .interfaces import Interfaces, read_config
from .names import check_ifname, check_netns_name

WG = "wg"
SUFFIX = ".conf"
BIRTH_OPTION = "wireguard-birth-netns"

# wg(8)'s keys, by section, in its spelling (it reads them case-insensitively).
INTERFACE_KEYS = ("PrivateKey", "ListenPort", "FwMark")
PEER_KEYS = ("PublicKey", "PresharedKey", "AllowedIPs", "Endpoint", "PersistentKeepalive")
# wg-quick(8)'s own keys, which `wg setconf` refuses, and where each belongs here instead.
WG_QUICK_KEYS = {
    "address": "an `address ADDR/LEN` line of `iface {wg} inet static` (or `inet6 static`) in {interfaces}",
    "dns": "`dns-nameservers ADDR...` in the iface {wg} stanza of {interfaces}",
    "mtu": "an `mtu N` line of the iface {wg} stanza in {interfaces}",
    "table": "`up ip route add PREFIX dev {wg} [table N]` lines of the iface {wg} stanza in {interfaces}",
    "preup": "a `pre-up` line of the iface {wg} stanza in {interfaces}",
    "postup": "an `up` line of the iface {wg} stanza in {interfaces}",
    "predown": "a `down` line of the iface {wg} stanza in {interfaces}",
    "postdown": "a `post-down` line of the iface {wg} stanza in {interfaces}",
    "saveconfig": "nowhere: the file is only read; `wg showconf {wg}` prints the running configuration",
}
_HOSTNAME_RE = re.compile(r"(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")
_KEY_NAME_RE = re.compile(r"[A-Za-z]{1,24}")
_NUMBER_RE = re.compile(r"0[xX][0-9a-fA-F]+|[1-9][0-9]*|0")
KEY_BYTES = 32
U16_MAX, U32_MAX = 0xFFFF, 0xFFFFFFFF

Prefix = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Peer:
    public_key: str
    endpoint: str | None
    allowed_ips: tuple[Prefix, ...]
    loc: Loc  # its [Peer] line


@dataclass(frozen=True)
class WireGuard:
    """One WireGuard interface of a namespace: its file, and where its socket lives."""

    name: str
    path: str  # the WG.conf file `wg setconf` reads
    birth: str | None  # the birth namespace; None: the namespace this program runs in (the host)
    listen_port: int | None
    peers: tuple[Peer, ...]
    birth_loc: Loc | None = None  # its `wireguard-birth-netns` line

    def temp_name(self, netns: str) -> str:
        """Its name in the birth namespace: one per NETNS and NAME, at most 15 bytes."""
        return f"nhwg{zlib.crc32(f'{netns}/{self.name}'.encode()):08x}"


@dataclass(frozen=True)
class _Line:
    key: str  # as written
    value: str
    loc: Loc


def conf_dir(etc_netns: str) -> str:
    """The wireguard directory beside NAME's network directory (ETC_NETNS: /etc/netns/NAME)."""
    return f"{etc_netns}/wireguard"


def conf_files(etc_netns: str) -> dict[str, str]:
    """Interface name -> its WG.conf file, for every such file of the namespace."""
    base = conf_dir(etc_netns)
    try:
        names = sorted(os.listdir(base))
    except (FileNotFoundError, NotADirectoryError):
        return {}
    return {n.removesuffix(SUFFIX): f"{base}/{n}" for n in names if n.endswith(SUFFIX) and not n.startswith(".")}


def load(netns: str, etc_netns: str, config: Interfaces | None, errors: list[ConfigError]) -> tuple[WireGuard, ...]:
    """NETNS's WireGuard interfaces: its WG.conf files, whose interfaces CONFIG marks `auto`.

    Every error goes to ERRORS (and its interface is left out); a file whose interface the
    configuration does not mark `auto` is an error too: start would create it and leave it
    unconfigured (start creates it, so it is never hot-plugged).
    """
    found: list[WireGuard] = []
    wanted = dict(config.allowed("auto")) if config is not None else {}
    for name, path in conf_files(etc_netns).items():
        before = len(errors)
        try:
            check_ifname(name)
        except ConfigError as e:
            errors.append(ConfigError(f"{path}: {e.message}", hint=e.hint))
            continue
        if config is not None and name not in wanted:
            errors.append(
                ConfigError(
                    f"{path}: {config.path} does not bring up {name} with `auto {name}`",
                    hint=f"add `auto {name}` and an `iface {name} inet static` stanza with its address",
                )
            )
            continue
        birth, birth_loc = _birth(netns, name, config, errors)
        item = parse(path, name, birth, errors, interfaces=config.path if config else "the interfaces file")
        if item is not None and len(errors) == before:
            found.append(replace(item, birth_loc=birth_loc))
    return tuple(found)


def _birth(
    netns: str, name: str, config: Interfaces | None, errors: list[ConfigError]
) -> tuple[str | None, Loc | None]:
    options = [opt for iface in (config.iface(name) if config else ()) for opt in iface.values(BIRTH_OPTION)]
    if not options:
        return None, None
    values = dict.fromkeys(opt.value for opt in options)
    if len(values) > 1:
        errors.append(ConfigError(f"{name} has two birth namespaces: {', '.join(values)}", options[1].loc))
        return None, None
    birth, loc = options[0].value, options[0].loc
    try:
        check_netns_name(birth, loc)
    except ConfigError as e:
        errors.append(e)
        return None, None
    if birth == netns:
        errors.append(
            ConfigError(
                f"{BIRTH_OPTION} {birth} is the namespace {name} goes into",
                options[0].loc,
                hint="the birth namespace is where the tunnel's UDP socket lives: the host or an uplink's namespace",
            )
        )
        return None, None
    return birth, loc


def parse(
    path: str, name: str, birth: str | None, errors: list[ConfigError], interfaces: str = "the interfaces file"
) -> WireGuard | None:
    """Read WG.conf PATH as `wg setconf` reads it; every mistake goes to ERRORS with its line."""
    try:
        data = read_config(path, None)
    except ConfigError as e:
        errors.append(e)
        return None
    info = os.stat(path)
    errors += key_file_problems(path, stat.S_IMODE(info.st_mode), info.st_uid, os.geteuid())
    sections: list[tuple[str, Loc, list[_Line]]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        loc = Loc(path, number)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(ConfigError("line is not valid UTF-8 text", loc))
            continue
        # wg drops everything from '#' on, and every white space character.
        line = "".join(text.split("#", 1)[0].split())
        if not line:
            continue
        if line.startswith("["):
            section = line.lower()
            if section not in ("[interface]", "[peer]"):
                errors.append(ConfigError(f"unknown section {line}", loc, hint="wg(8) knows [Interface] and [Peer]"))
                sections.append(("?", loc, []))
            else:
                sections.append((section[1:-1], loc, []))
            continue
        key, sep, value = line.partition("=")
        if not sep or not key:
            # Not quoted: the line may be a pasted key.
            errors.append(ConfigError("expected `[Section]` or `Key = Value`: the line has no '='", loc))
            continue
        if key.lower() in WG_QUICK_KEYS:
            hint = WG_QUICK_KEYS[key.lower()].format(wg=name, interfaces=interfaces)
            errors.append(
                ConfigError(
                    f"{key} is a wg-quick(8) key, which `wg setconf` refuses", loc, hint=f"it belongs in {hint}"
                )
            )
            continue
        if not sections:
            errors.append(ConfigError(f"`{key} =` outside any section", loc, hint="start with an [Interface] line"))
            continue
        sections[-1][2].append(_Line(key, value, loc))
    interface: list[_Line] = []
    peers: list[Peer] = []
    interface_seen: Loc | None = None
    for kind, loc, lines in sections:
        if kind == "interface":
            if interface_seen is not None:
                errors.append(ConfigError(f"a second [Interface] (the first is at line {interface_seen.line})", loc))
            interface_seen = interface_seen or loc
            interface += lines
        elif kind == "peer":
            peer = _peer(loc, lines, errors)
            if peer is not None:
                peers.append(peer)
    if interface_seen is None:
        errors.append(ConfigError(f"{path}: no [Interface] section", hint="it holds the interface's PrivateKey"))
        return None
    values, _ = _values(interface, INTERFACE_KEYS, "[Interface]", errors)
    if "PrivateKey" not in values:
        errors.append(
            ConfigError("[Interface] has no PrivateKey", interface_seen, hint="generate one with `wg genkey`")
        )
    else:
        _key(values["PrivateKey"], errors)
    port = _number(values["ListenPort"], 0, U16_MAX, errors) if "ListenPort" in values else None
    if "FwMark" in values and values["FwMark"].value.lower() != "off":
        _number(values["FwMark"], 0, U32_MAX, errors)
    seen: dict[str, Loc] = {}
    for peer in peers:
        if peer.public_key in seen:
            errors.append(
                ConfigError(f"this peer's PublicKey is also the one at line {seen[peer.public_key].line}", peer.loc)
            )
        seen.setdefault(peer.public_key, peer.loc)
    return WireGuard(name, path, birth, port, tuple(peers))


def key_file_problems(path: str, mode: int, owner: int, me: int) -> list[ConfigError]:
    """The file holds a private key: root's alone (or that of ME, who runs this), mode 600 or stricter."""
    errors = []
    if owner not in (0, me):
        errors.append(
            ConfigError(f"{path}: holds a private key but is owned by uid {owner}", hint=f"chown root: {path}")
        )
    if mode & 0o077:
        errors.append(
            ConfigError(
                f"{path}: holds a private key, but its mode {mode:04o} lets others read or change it",
                hint=f"chmod 600 {path}",
            )
        )
    return errors


def _values(
    lines: Sequence[_Line], keys: Sequence[str], section: str, errors: list[ConfigError]
) -> tuple[dict[str, _Line], tuple[Prefix, ...]]:
    """KEYS' lines by their canonical names, and the AllowedIPs of every AllowedIPs line (they add up).

    Unknown, empty and repeated keys go to ERRORS.
    """
    canonical = {k.lower(): k for k in keys}
    values: dict[str, _Line] = {}
    allowed: list[Prefix] = []
    for line in lines:
        key = canonical.get(line.key.lower())
        if key is None and not _KEY_NAME_RE.fullmatch(line.key):
            # Not quoted: it may be a pasted key (base64 ends in '=').
            errors.append(ConfigError(f"not a `Key = Value` line of {section}", line.loc))
        elif key is None:
            errors.append(
                ConfigError(f"unknown key {line.key!r} in {section}", line.loc, hint=_suggest(line.key, keys))
            )
        elif key == "AllowedIPs":
            allowed += _allowed_ips(line, errors)
        elif not line.value:
            errors.append(ConfigError(f"{key} has no value", line.loc))
        elif key in values:
            errors.append(ConfigError(f"{key} is already set at line {values[key].loc.line}", line.loc))
        else:
            values[key] = _Line(key, line.value, line.loc)
    return values, tuple(allowed)


def _suggest(key: str, keys: Sequence[str]) -> str:
    other = INTERFACE_KEYS if keys is PEER_KEYS else PEER_KEYS
    if key.lower() in (k.lower() for k in other):
        return f"{key} belongs in {'[Interface]' if other is INTERFACE_KEYS else 'a [Peer] section'}"
    import difflib  # only on this error path

    close = difflib.get_close_matches(key.lower(), [k.lower() for k in keys], n=1, cutoff=0.6)
    if close:
        return "did you mean " + next(k for k in keys if k.lower() == close[0]) + "?"
    return "known keys: " + ", ".join(keys)


def _peer(loc: Loc, lines: Sequence[_Line], errors: list[ConfigError]) -> Peer | None:
    values, allowed = _values(lines, PEER_KEYS, "[Peer]", errors)
    if "PresharedKey" in values:
        _key(values["PresharedKey"], errors)
    endpoint = values["Endpoint"].value if "Endpoint" in values else None
    if "Endpoint" in values:
        _endpoint(values["Endpoint"], errors)
    if "PersistentKeepalive" in values and values["PersistentKeepalive"].value.lower() != "off":
        _number(values["PersistentKeepalive"], 0, U16_MAX, errors)
    if "PublicKey" not in values:
        errors.append(ConfigError("[Peer] has no PublicKey", loc, hint="the peer's `wg pubkey` output"))
        return None
    if not _key(values["PublicKey"], errors):
        return None
    return Peer(values["PublicKey"].value, endpoint, allowed, loc)


def _key(line: _Line, errors: list[ConfigError]) -> bool:
    """A key as wg(8) writes it: 32 bytes in base64, 44 characters ending in '='."""
    try:
        ok = len(line.value) == 44 and len(base64.b64decode(line.value, validate=True)) == KEY_BYTES
    except (binascii.Error, ValueError):
        ok = False
    if not ok:
        errors.append(
            ConfigError(
                f"{line.key} is not a key (32 bytes in base64, 44 characters)",
                line.loc,
                hint="`wg genkey` makes a private key, `wg pubkey` its public key, `wg genpsk` a preshared key",
            )
        )
    return ok


def _number(line: _Line, low: int, high: int, errors: list[ConfigError]) -> int | None:
    if not _NUMBER_RE.fullmatch(line.value) or not low <= int(line.value, 0) <= high:
        errors.append(ConfigError(f"{line.key} {line.value} is not a number in {low}..{high}", line.loc))
        return None
    return int(line.value, 0)


def _endpoint(line: _Line, errors: list[ConfigError]) -> None:
    """HOST:PORT, [IPV6]:PORT: an address, or a host name resolved in the birth namespace."""
    value = line.value
    host, sep, port = value.rpartition(":")
    problem = None
    if not sep or not host:
        problem = "has no :PORT"
    elif not port.isdigit() or not 1 <= int(port) <= U16_MAX:
        problem = f"port {port!r} is not a number in 1..{U16_MAX}"
    elif host.startswith("["):
        if not host.endswith("]") or not _is_ip(host[1:-1], 6):
            problem = f"{host} is not an IPv6 address in brackets"
    elif ":" in host:
        problem = "an IPv6 address needs brackets: [ADDRESS]:PORT"
    elif not _is_ip(host, 4) and (not _HOSTNAME_RE.fullmatch(host) or host.replace(".", "").isdigit()):
        problem = f"{host!r} is neither an IPv4 address nor a host name"
    if problem:
        errors.append(
            ConfigError(f"Endpoint {value} {problem}", line.loc, hint="e.g. 192.0.2.1:51820 or [2001:db8::1]:51820")
        )


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).version == version
    except ValueError:
        return False


def _allowed_ips(line: _Line, errors: list[ConfigError]) -> list[Prefix]:
    """The prefixes of one AllowedIPs line (comma-separated; an address alone is a /32 or /128)."""
    found: list[Prefix] = []
    for word in line.value.split(",") if line.value else ():
        try:
            found.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            what = "an empty entry" if not word else f"{word!r}, not an address or ADDRESS/LEN prefix"
            errors.append(ConfigError(f"AllowedIPs has {what}", line.loc))
    return found


# --- rules between interfaces and namespaces (check and start share them) --------------------


def conflicts(by_netns: Mapping[str, Sequence[WireGuard]], selected: Iterable[str] | None) -> list[ConfigError]:
    """ListenPorts two interfaces with one birth namespace both want: the second socket would fail."""
    errors: list[ConfigError] = []
    owners: dict[tuple[str | None, int], tuple[str, WireGuard]] = {}
    chosen = None if selected is None else set(selected)
    for netns in sorted(by_netns):
        for item in by_netns[netns]:
            if not item.listen_port:
                continue
            key = (item.birth, item.listen_port)
            if key in owners:
                other_ns, other = owners[key]
                if chosen is None or netns in chosen or other_ns in chosen:
                    where = item.birth or "the host"
                    errors.append(
                        ConfigError(
                            f"{item.path}: ListenPort {item.listen_port} is also that of {other.path}, "
                            f"and both sockets live in {where}",
                            hint="give each interface of one birth namespace its own ListenPort",
                        )
                    )
            else:
                owners[key] = (netns, item)
    return errors


def birth_problems(items: Sequence[WireGuard], namespaces: Iterable[str]) -> list[Problem]:
    """A named birth namespace must be running when its interface's namespace starts."""
    running = frozenset(namespaces)
    return [
        Problem.of(
            ConfigError(
                f"the birth namespace {item.birth} of {item.name} does not exist",
                item.birth_loc,
                hint=f"start it first (systemd-netns@{item.birth}.service, with After= and Requires= on it), "
                f"or drop {BIRTH_OPTION} to create {item.name} in the host",
            )
        )
        for item in items
        if item.birth is not None and item.birth not in running
    ]


# --- commands --------------------------------------------------------------------------------


def _in(birth: str | None) -> tuple[str, ...]:
    return ("-n", birth) if birth else ()


def link_add(birth: str | None, dev: str) -> Run:
    return Run((iproute.IP, *_in(birth), "link", "add", "dev", dev, "type", "wireguard"))


def link_delete(birth: str | None, dev: str) -> Run:
    return Run((iproute.IP, *_in(birth), "link", "delete", "dev", dev))


def setconf(birth: str | None, dev: str, path: str) -> Run:
    """`wg setconf`, in the birth namespace: the key stays in its file, never on a command line."""
    where = (iproute.IP, "netns", "exec", birth) if birth else ()
    return Run((*where, WG, "setconf", dev, path))


def move_in(birth: str | None, temp: str, netns: str, name: str) -> Run:
    """Into NETNS under its own NAME, in one netlink request (the kernel renames as it moves)."""
    return Run((iproute.IP, *_in(birth), "link", "set", "dev", temp, "netns", netns, "name", name))


def move_back(netns: str, name: str, birth: str | None, temp: str) -> Run:
    target = birth if birth else SELF_NETNS
    return Run((iproute.IP, "-n", netns, "link", "set", "dev", name, "netns", target, "name", temp))


def up_steps(netns: str, items: Sequence[WireGuard], host_links: Iterable[str] = ()) -> list[Step]:
    """Create, configure and move each interface; each step's undo takes back what it did.

    An interface of its temporary name in the host (HOST_LINKS) was left by a start that was
    killed before its move: the name is this namespace's own, so it is deleted first.
    """
    steps: list[Step] = []
    left = frozenset(host_links)
    for item in items:
        temp = item.temp_name(netns)
        if item.birth is None and temp in left:
            steps.append(Step(link_delete(None, temp)))
        steps.append(Step(link_add(item.birth, temp), undo=(link_delete(item.birth, temp),)))
        steps.append(Step(setconf(item.birth, temp, item.path)))
        steps.append(
            Step(move_in(item.birth, temp, netns, item.name), undo=(move_back(netns, item.name, item.birth, temp),))
        )
    return steps


# --- `wg show all dump`, for status and metrics -------------------------------------------------


@dataclass(frozen=True)
class PeerState:
    public_key: str
    endpoint: str | None
    allowed_ips: tuple[str, ...]
    latest_handshake: int  # Unix time; 0: never
    rx_bytes: int
    tx_bytes: int


@dataclass(frozen=True)
class InterfaceState:
    name: str
    public_key: str
    listen_port: int
    peers: tuple[PeerState, ...]


def show_dump(netns: str) -> tuple[str, ...]:
    """The query status and metrics run: every WireGuard interface of NETNS, tab-separated."""
    return (iproute.IP, "netns", "exec", netns, WG, "show", "all", "dump")


def parse_dump(output: str) -> tuple[InterfaceState, ...]:
    """`wg show all dump` output; the private and preshared keys in it are dropped, never kept.

    An interface's line: name, private key, public key, listen port, fwmark. A peer's line:
    interface, public key, preshared key, endpoint, allowed IPs, latest handshake, rx, tx, keepalive.
    """
    interfaces: dict[str, tuple[str, int]] = {}
    peers: dict[str, list[PeerState]] = {}
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) == 5:
            interfaces[fields[0]] = (fields[2], int(fields[3]))
            peers.setdefault(fields[0], [])
        elif len(fields) == 9:
            name, public, _, endpoint, allowed, handshake, rx, tx, _ = fields
            peers.setdefault(name, []).append(
                PeerState(
                    public,
                    None if endpoint == "(none)" else endpoint,
                    () if allowed == "(none)" else tuple(allowed.split(",")),
                    int(handshake),
                    int(rx),
                    int(tx),
                )
            )
        elif line.strip():
            raise ValueError(f"unexpected line in `wg show all dump` output: {len(fields)} fields")
    return tuple(
        InterfaceState(name, public, port, tuple(peers.get(name, ()))) for name, (public, port) in interfaces.items()
    )


def read_states(query: Callable[[tuple[str, ...]], str], netns: str) -> tuple[InterfaceState, ...]:
    """The WireGuard interfaces of NETNS as `wg show` sees them (raises CommandFailed)."""
    from .executor import CommandFailed

    argv = show_dump(netns)
    output = query(argv)
    try:
        return parse_dump(output)
    except ValueError as e:
        raise CommandFailed(Run(argv), str(e)) from None


def status_rows(states: Sequence[InterfaceState], now: float | None = None) -> list[tuple[str, str]]:
    """`status` lines: each interface, then its peers' endpoint, latest handshake and transfer."""
    if now is None:
        import time

        now = time.time()
    rows = []
    for state in states:
        port = f"listening on port {state.listen_port}" if state.listen_port else "no listening port"
        rows.append(("wireguard", f"{state.name} public key {state.public_key}, {port}"))
        for peer in state.peers:
            handshake = (
                f"latest handshake {max(0, int(now) - peer.latest_handshake)} s ago"
                if peer.latest_handshake
                else "no handshake yet"
            )
            rows.append(
                (
                    "peer",
                    f"{peer.public_key} endpoint {peer.endpoint or 'none'}, allowed ips "
                    f"{', '.join(peer.allowed_ips) or 'none'}, {handshake}, "
                    f"received {peer.rx_bytes} B, sent {peer.tx_bytes} B",
                )
            )
    return rows
