# SPDX-License-Identifier: GPL-3.0-or-later
"""The one rule set: every located problem of the configuration, for `check` and for `start`.

File rules need only the configuration world; live rules also need `Live`, the read-only facts
of the running host. Both commands evaluate the same rules with the same facts: `check` reports
every problem, `start` refuses on any error (the file rules before any process runs). The live
rules are the planner's own decisions (`planner.start_layout`), so what check says is what start
will find.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Mapping

from . import hostnet, ipjson, iproute, record
from .dhcp import dhcpv6_problems
from .errors import ERROR, WARNING, ConfigError, Loc, Problem
from .executor import CommandFailed, query_all
from .facts import HOOK_DIRS, Facts, Paths, dhcp_clients, list_namespaces
from .ifupdown import check_defined, check_iface
from .interfaces import Interfaces, parse_file
from .ipjson import Link
from .links import Veth, veths
from .names import holds_word
from .planner import claimed, finished, made_inside, start_layout, vlan_of
from .record import Record
from .values import field, value
from .world import Scope, World, host_error_severity, load

Query = Callable[[tuple[str, ...]], str]


@value
class Live:
    """Read-only facts about the running host that the live rules compare configuration with."""

    host_links: Mapping[str, Link] = field(default_factory=dict)
    ns_links: Mapping[str, Mapping[str, Link]] = field(default_factory=dict)  # of running namespaces
    default_devs: frozenset[str] = frozenset()  # links carrying the host's default routes
    ssh_dev: str | None = None  # the link this SSH session came in on
    upper_addresses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # of the host's uppers
    namespaces: frozenset[str] = frozenset()  # the running ones
    records: Mapping[str, Record] = field(default_factory=dict)  # what the starts of running namespaces did
    invocation: str | None = None  # start's $INVOCATION_ID (Facts.invocation); None for check


def gather_live(paths: Paths, query: Query) -> Live:
    """The facts of the live rules for every namespace (`check`).

    An entry of /run/netns that cannot be read (not a namespace, or gone meanwhile as other
    namespaces come and go) is skipped with a warning: it must not hide the real problems.
    """
    running = list_namespaces(paths)
    names = sorted(running)
    ns_links = {}
    for netns, out in zip(names, query_all(query, [iproute.query_links(netns) for netns in names]), strict=True):
        if isinstance(out, CommandFailed):
            sys.stderr.write(f"netns-helper: warning: skipping {paths.run_netns}/{netns}: {out.message}\n")
        else:
            ns_links[netns] = ipjson.links(out)
    host_links = ipjson.links(query(iproute.query_links()))
    # Quietly: `status` and stop say when a record is missing; check only uses what there is.
    found = {netns: record.read(paths.state_dir(netns), netns, quiet=True) for netns in sorted(ns_links)}
    records = {netns: rec for netns, rec in found.items() if rec is not None}
    return Live(
        host_links,
        ns_links,
        default_route_devs(f"{paths.proc}/net"),
        _ssh_dev(query),
        _upper_addresses(host_links, query),
        frozenset(running),
        records,
    )


def start_live(paths: Paths, query: Query, netns: str, facts: Facts, dests: Mapping[str, Facts] | None = None) -> Live:
    """The same facts for the rules of NETNS, from what start has read already (nothing asked twice):
    its own, and DESTS' of its XFRM destinations."""
    ns_links = {name: f.ns_links for name, f in [*(dests or {}).items(), (netns, facts)] if name in f.namespaces}
    addresses = _upper_addresses(facts.host_links, query)
    proc = f"{paths.proc}/net"
    records = {netns: facts.record} if facts.record is not None else {}
    return Live(
        facts.host_links,
        ns_links,
        default_route_devs(proc),
        _ssh_dev(query),
        addresses,
        facts.namespaces,
        records,
        facts.invocation,
    )


def _is_upper(link: Link) -> bool:
    """LINK is a VLAN, macvlan... on a link of this namespace (a veth's peer is not one)."""
    return link.parent is not None and not link.parent_elsewhere and link.kind != "veth"


def _uppers(dev: str, host_links: Mapping[str, Link]) -> list[Link]:
    """The host's VLAN, macvlan... links on top of DEV."""
    return [u for u in host_links.values() if u.parent == dev and _is_upper(u)]


def _upper_addresses(host_links: Mapping[str, Link], query: Query) -> dict[str, tuple[str, ...]]:
    """The addresses of the host's upper links; asked only when the host has any (most have none)."""
    if not any(u.parent in host_links and _is_upper(u) for u in host_links.values()):
        return {}
    return {link.name: link.addresses for link in ipjson.links(query(("ip", "-j", "addr", "show"))).values()}


def default_route_devs(proc: str) -> frozenset[str]:
    """Links carrying this namespace's default routes, read from PROC (Paths.proc/net; no process needed)."""
    devs = set()
    try:
        with open(f"{proc}/route") as f:
            for line in f.readlines()[1:]:
                words = line.split()
                if len(words) > 7 and words[1] == "00000000" and words[7] == "00000000":
                    devs.add(words[0])
        with open(f"{proc}/ipv6_route") as f:
            for line in f:
                words = line.split()
                if len(words) == 10 and words[0] == "0" * 32 and words[1] == "00" and words[9] != "lo":
                    devs.add(words[9])
    except OSError:
        pass  # no /proc/net here: no warning about default routes
    return frozenset(devs)


def _ssh_dev(query: Query) -> str | None:
    """The link that carries the address this SSH session connected to, if any."""
    words = os.environ.get("SSH_CONNECTION", "").split()
    if len(words) != 4:
        return None
    for link in ipjson.links(query(("ip", "-j", "addr", "show"))).values():
        if any(address.split("/")[0] == words[2] for address in link.addresses):
            return link.name
    return None


def start_world(paths: Paths, name: str) -> World:
    """The configuration world of `start NAME`, without parsing the files that cannot matter to it.

    Parsed: NAME's file, the host's, every xfrm file, and of the other namespaces' files those
    that may claim one of NAME's interfaces (all of them for an IPsec gateway), and, when NAME has
    WireGuard interfaces, those of the namespaces that have some too. A claim is a word of a
    file's logical lines, so a file whose bytes hold none of NAME's interface names as a word
    (not inside a longer name: eth1 in eth10) claims none of them, unless it joins lines (`\\`)
    or sources other files: those are parsed too. So a boot of N namespaces parses about N files,
    not N^2; what start refuses is what check reports (tests/unit/test_start_world.py).
    """
    path = paths.netns_interfaces(name)
    errors: list[ConfigError] = []
    config = parse_file(path, errors) if os.path.exists(path) else None
    parsed = (name, config, tuple(errors)) if config is not None else None
    try:
        wanted = claimed(config) if config is not None else None
    except ConfigError:
        wanted = None
    if wanted is None or errors or os.path.exists(paths.netns_xfrm(name)):
        # Broken or missing: start reports it on the whole world, as check does; an IPsec
        # gateway's destinations are in its xfrm file.
        return load(paths, Scope(parsed=parsed))
    words = tuple(dev.encode() for dev in wanted if dev != "lo")

    # WireGuard's ListenPort rule compares NAME's interfaces with every other namespace's, each
    # as its own file brings it up (`auto`) and where it is born: those files are parsed too.
    wireguard = os.path.isdir(f"{paths.netns_etc(name)}/wireguard")

    def keep(other: str, data: bytes) -> bool:
        if other == name or b"\\" in data or b"source" in data or any(holds_word(data, word) for word in words):
            return True
        return wireguard and os.path.isdir(f"{paths.netns_etc(other)}/wireguard")

    return load(paths, Scope(parse_if=keep, parsed=parsed))


def problems(world: World, selected: set[str] | None, live: Live | None) -> list[Problem]:
    """Every problem of the namespaces SELECTED (all when None), of the host's links, and between them.

    Without LIVE, only what the files say: no process is needed for that.
    """
    found = file_problems(world, selected)
    if live is not None:
        found += live_problems(world, selected, live)
    return ordered(found)


def ordered(found: list[Problem]) -> list[Problem]:
    """Each problem once, in file and line order."""
    return sorted(set(found), key=_order)


def with_dests(world: World, selected: set[str] | None) -> set[str] | None:
    """SELECTED and their XFRM destinations: a service's start builds both, so its rules judge both."""
    if selected is None:
        return None
    return selected | {item.dest_netns for name in selected for item in world.xfrms.get(name, ())}


def file_problems(world: World, selected: set[str] | None) -> list[Problem]:
    """The rules that need only the files: of SELECTED (all when None) and their destinations."""
    paths = world.paths
    base = f"{paths.etc}/netns"
    host = world.host
    wanted = selected
    selected = with_dests(world, wanted)
    found = [Problem.of(e, host_error_severity(e, host, selected)) for e in world.host_errors] if host else []
    for errors in (world.config_errors, world.xfrm_errors, world.wireguard_errors):
        for name, its in errors.items():
            if selected is None or name in selected:
                found += [Problem.of(e) for e in its]
    for name in world.bad_names:
        found.append(
            Problem(ERROR, f"{name!r} cannot be a namespace name: use letters, digits, '_', '.', '-'", f"{base}/{name}")
        )
    for name in sorted(wanted or ()):
        if name not in world.configs:  # a destination may have none: start brings it up empty
            found.append(Problem(ERROR, "no such file", paths.netns_interfaces(name)))
    claims = _claims(world)
    host_managers = hostnet.managers(paths)
    for name, config in world.configs.items():
        if selected is None or name in selected:
            found += _check_namespace(name, config, world, claims, host_managers)
    found += _check_host_links(world, selected)
    found += _check_xfrm(world, selected)
    found += _check_modes(world, selected)
    found += _check_symlinks(world, selected)
    if world.wireguard:
        from .wireguard import conflicts  # only hosts with WireGuard interfaces pay for it

        found += [Problem.of(e) for e in conflicts(world.wireguard, selected)]
    found += inside_problems(world, inside_scope(world, selected))
    return found


def inside_scope(world: World, selected: set[str] | None) -> tuple[str, ...]:
    """The namespaces whose ruleset and sysctls the rules of SELECTED judge: theirs, and those of
    their XFRM destinations (a start builds both)."""
    if selected is None:
        return tuple(sorted(world.insides))
    dests = [item.dest_netns for name in sorted(selected) for item in world.xfrms.get(name, ())]
    return tuple(n for n in dict.fromkeys([*sorted(selected), *dests]) if n in world.insides)


def inside_problems(world: World, names: Iterable[str]) -> list[Problem]:
    """The errors of NAMES' rulesets and sysctl files that need no process to find."""
    return [Problem.of(e) for name in names for e in world.inside_errors.get(name, ())]


def ruleset_problems(world: World, names: Iterable[str], query: Query) -> list[Problem]:
    """nftables' own check of NAMES' rulesets (`nft -c`, a process each, changing nothing).

    A ruleset that reaches files outside its namespace's directory is not shown to nft: the file
    rules refuse it already.
    """
    found: list[Problem] = []
    for name in names:
        inside = world.insides.get(name)
        if inside is not None and inside.ruleset is not None and inside.checkable:
            from .nftables import validate

            found += [Problem.of(e) for e in validate(inside.ruleset, query)]
    return found


def live_problems(world: World, selected: set[str] | None, live: Live) -> list[Problem]:
    """The rules that compare the files with the running host: start's own decisions on LIVE,
    for SELECTED (all when None) and the XFRM destinations their starts build."""
    found: list[Problem] = []
    for name, config in world.configs.items():
        if selected is None or name in selected:
            found += _check_live(name, config, world, live)
            if name in world.xfrms:
                found += _check_dests(name, config, world, live)
    return found


def _check_dests(service: str, config: Interfaces, world: World, live: Live) -> list[Problem]:
    """SERVICE's destinations as its start builds them (xfrm_planner.dest_problems): none when
    the service runs and its start finished (start does nothing then)."""
    from .xfrm_planner import dest_host_links, dest_problems

    record = live.records.get(service)
    if finished(service, Facts(namespaces=live.namespaces, record=record, invocation=live.invocation)):
        return []
    items = world.xfrms[service]
    left = dest_host_links(config, live.host_links)
    found: list[Problem] = []
    for dest in dict.fromkeys(item.dest_netns for item in items):
        if world.config_errors.get(dest):
            continue  # a file rule reports it; start refuses on it
        dest_config = world.configs.get(dest) or Interfaces(world.paths.netns_interfaces(dest), ())
        mine = [item for item in items if item.dest_netns == dest]
        ns_links = live.ns_links.get(dest, {}) if dest in live.namespaces else None
        try:
            found += dest_problems(dest, dest_config, mine, left, world.host, ns_links)
        except ConfigError:
            continue  # a file rule of the destination reports it
    return found


def _order(problem: Problem) -> tuple[str, int, str]:
    path, _, line = problem.where.rpartition(":")
    return (path, int(line), problem.message) if line.isdigit() else (problem.where, 0, problem.message)


def _claims(world: World) -> dict[str, list[tuple[str, Loc]]]:
    """Host NIC name -> the namespaces whose file takes it, with where."""
    claims: dict[str, list[tuple[str, Loc]]] = {}
    for name, config in world.configs.items():
        try:
            taken = claimed(config)
            ends = {pair.ns_end for pair in veths(name, config, world.host)} | _made(world, name)
        except ConfigError:
            continue  # reported by the namespace's own checks
        for dev, loc in taken.items():
            if dev not in ends and not made_inside(dev, config):
                claims.setdefault(dev, []).append((name, loc))
    return claims


def _check_namespace(
    name: str,
    config: Interfaces,
    world: World,
    claims: dict[str, list[tuple[str, Loc]]],
    host_managers: tuple[hostnet.Manager, ...] = (),
) -> list[Problem]:
    problems = [Problem.of(error) for error in check_defined(config)]
    for _, pattern, loc in config.patterns():
        # Not the planner's: stop and status read a file the admin has since edited as it is.
        problems.append(
            Problem(
                ERROR,
                f"{pattern!r} is an interface pattern (interfaces(5) PATTERN MATCHING): a namespace's file must name "
                "its interfaces (hint: patterns match the links the kernel has when ifup runs; the tool moves NICs "
                "in by name)",
                str(loc),
            )
        )
    for iface in config.ifaces:
        problems += [Problem.of(error) for error in check_iface(iface)]
    if any(iface.family == "inet6" for iface in config.ifaces):
        problems += dhcpv6_problems(config, dhcp_clients())
    for link in config.links:
        problems.append(
            Problem(WARNING, "link-netns belongs in the host's /etc/network/interfaces: ignored here", str(link.loc))
        )
    try:
        pairs = veths(name, config, world.host)
        taken = claimed(config)
    except ConfigError as e:
        return [*problems, Problem.of(e)]
    ends = {pair.ns_end for pair in pairs} | _made(world, name)
    problems += _name_problems(pairs, taken)
    host_up = _host_brought_up(world.host)
    ns_auto = {dev for dev, _ in config.allowed("auto")}
    ports = _host_ports(world.host)
    for dev, loc in taken.items():
        if dev == "lo" or ":" in dev or dev in ends:
            continue
        try:
            vlan_of(dev, config.iface(dev), loc)
        except ConfigError as e:
            problems.append(Problem.of(e))
            continue
        if made_inside(dev, config):
            continue
        others = [f"{ns} ({where})" for ns, where in claims.get(dev, []) if ns != name]
        if others:
            problems.append(Problem(ERROR, f"{dev} is also taken by namespace {', '.join(others)}", str(loc)))
        if dev in host_up:
            how, where = host_up[dev]
            if how == "allow-hotplug" and dev not in ns_auto:
                # Both only hot-plug it: netns-helper's udev rule runs before the host's ifup@
                # and takes the device in first (issue 18). Present at boot, the host takes it.
                msg = f"{dev} is also hot-plugged by the host ({how} at {where}): present at boot, the host takes it"
                problems.append(Problem(WARNING, msg, str(loc)))
            else:
                problems.append(Problem(ERROR, f"{dev} is also brought up by the host ({how} at {where})", str(loc)))
        port = next((p for p in ports if p[0].fullmatch(dev)), None)
        if port is not None:
            _, master, option, where = port
            problems.append(
                Problem(
                    ERROR,
                    f"{dev} is a port of the host's {master} ({option} at {where}): moving it cuts {master} off",
                    str(loc),
                )
            )
        for pattern, where in _host_auto_patterns(world.host):
            if fnmatch.fnmatchcase(dev, pattern.split("/")[1].split("=")[0]):
                problems.append(
                    Problem(ERROR, f"{dev} is also brought up by the host (auto {pattern} at {where})", str(loc))
                )
        problems += _managed_by_host(dev, loc, host_managers)
    for pair in pairs:
        problems += _managed_by_host(pair.host_end, pair.loc, tuple(m for m in host_managers if m.veths))
    return problems


def _host_brought_up(host: Interfaces | None) -> dict[str, tuple[str, Loc]]:
    """Host NIC -> (`auto` or `allow-hotplug`, where): what the host's ifupdown brings up itself."""
    found: dict[str, tuple[str, Loc]] = {}
    for cls, word in (("auto", "auto"), ("hotplug", "allow-hotplug")):
        for dev, loc in host.allowed(cls) if host else ():
            found.setdefault(dev, (word, loc))
    return found


# bridge-utils' `bridge_ports all`: what its ifupdown script expands it to.
_ALL_PORTS = ("regex", "eth.*", "em.*", "en.*", "p[0-9].*", "noregex")


def _host_ports(host: Interfaces | None) -> list[tuple[re.Pattern[str], str, str, Loc]]:
    """(a port's name or regex, its bridge or bond, the option, where): the ports of the host's file.

    As bridge-utils reads `bridge_ports`: words after `regex` (until `noregex`) are extended
    regular expressions that a whole interface name matches; `all` is eth*, em*, en* and p0*...
    """
    ports = []
    for iface in host.ifaces if host else ():
        for key in ("bridge-ports", "bond-slaves"):
            for opt in iface.values(key):
                regex = False
                for word in [w for member in opt.value.split() for w in (_ALL_PORTS if member == "all" else (member,))]:
                    if word in ("regex", "noregex") and key == "bridge-ports":
                        regex = word == "regex"
                    elif word != "none":
                        try:
                            pattern = re.compile(word if regex else re.escape(word))
                        except re.error:
                            continue  # bridge-utils' egrep matches nothing with it either
                        ports.append((pattern, iface.name, opt.name, opt.loc))
        for opt in iface.values("bond-master"):
            ports.append((re.compile(re.escape(iface.name)), opt.value, opt.name, opt.loc))
    return ports


# '%' makes the kernel number a new link (eth%d); '=' is ifup's IFACE=LOGICAL syntax.
_NAME_SYNTAX = (("%", "the kernel expands it into a number"), ("=", "ifup reads NAME=LOGICAL"))


def _name_problems(pairs: tuple[Veth, ...], taken: Mapping[str, Loc]) -> list[Problem]:
    """Names start creates or hands to ifup that would not be the name the admin wrote."""
    problems = []
    named = [(pair.host_end, pair.loc) for pair in pairs] + [(pair.ns_end, pair.loc) for pair in pairs]
    for name, loc in [*named, *taken.items()]:
        for char, why in _NAME_SYNTAX:
            if char in name:
                problems.append(Problem(ERROR, f"{name!r}: no {char!r} in an interface name ({why})", str(loc)))
    for pair in pairs:
        if "lo" in (pair.host_end, pair.ns_end):
            problems.append(
                Problem(ERROR, "'lo' cannot be an end of a link-netns pair: every namespace has one", str(pair.loc))
            )
    return problems


def _managed_by_host(dev: str, loc: Loc, host_managers: tuple[hostnet.Manager, ...]) -> list[Problem]:
    """A host network manager that would configure DEV when it is on the host (before start, after stop)."""
    problems = []
    for manager in host_managers:
        where = hostnet.managed_by(manager, dev)
        if where is not None:
            msg = f"{dev} is also managed by the host's {manager.name} ({where}) whenever it is on the host"
            problems.append(Problem(WARNING, msg, str(loc)))
    return problems


def _host_auto_patterns(host: Interfaces | None) -> list[tuple[str, Loc]]:
    """The host's `auto /NAME-GLOB` patterns (those on names; `mac/...` ones need the kernel's answer)."""
    return [(p, loc) for cls, p, loc in host.patterns() if cls == "auto" and p.startswith("/")] if host else []


def _check_live(name: str, config: Interfaces, world: World, live: Live) -> list[Problem]:
    try:
        pairs = veths(name, config, world.host)
        taken = claimed(config)
    except ConfigError:
        return []  # a file rule reports it
    made = _made(world, name)
    stale = live.ns_links.get(name)
    problems = list(start_layout(config, live.host_links, stale, pairs, made, live.records.get(name)).problems)
    if world.wireguard.get(name):
        from .wireguard import birth_problems

        problems += birth_problems(world.wireguard[name], live.namespaces)
    ends = {pair.ns_end for pair in pairs} | made
    for pair in pairs:
        if pair.ns_end in live.host_links:
            # A warning: the end is created inside the namespace, so the names never clash, and an
            # `eth0` end in every namespace beside the host's own eth0 is a common layout.
            problems.append(
                Problem(
                    WARNING,
                    f"link-netns end {pair.ns_end!r} is also the name of a host link: the namespace gets "
                    "the veth end, not that link",
                    str(pair.loc),
                )
            )
    for dev, loc in taken.items():
        if dev in ends or dev not in live.host_links or made_inside(dev, config):
            continue
        problems += _upper_problems(live.host_links[dev], live, loc)
        if dev in live.default_devs:
            problems.append(
                Problem(WARNING, f"{dev} carries the host's default route: moving it cuts the host off", str(loc))
            )
        if dev == live.ssh_dev:
            problems.append(Problem(WARNING, f"{dev} carries this SSH connection: moving it cuts you off", str(loc)))
    return problems


def _upper_problems(link: Link, live: Live, loc: Loc) -> list[Problem]:
    """Moving LINK takes it from its master, and its uppers (VLANs, macvlans) lose their lower link."""
    problems = []
    if link.master is not None:
        msg = f"{link.name} is a port of the host's {link.master}: moving it cuts {link.master} off"
        problems.append(Problem(ERROR, msg, str(loc)))
    for upper in _uppers(link.name, live.host_links):
        addresses = live.upper_addresses.get(upper.name, ())
        if addresses or upper.master is not None:
            carries = f"carries {', '.join(addresses)}" if addresses else f"is a port of {upper.master}"
            msg = f"{link.name} is the lower link of the host's {upper.name}, which {carries}: moving it cuts that off"
            problems.append(Problem(ERROR, msg, str(loc)))
        else:
            msg = f"{link.name} is the lower link of the host's {upper.name}, which stops passing traffic"
            problems.append(Problem(WARNING, msg, str(loc)))
    return problems


def _made(world: World, name: str) -> frozenset[str]:
    """Interfaces start creates itself and moves in (WireGuard's): not host NICs."""
    return world.wireguard_names.get(name, frozenset())


def _check_host_links(world: World, selected: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    if world.host is None:
        return problems
    for link in world.host.links:
        if selected is not None and link.netns not in selected:
            continue
        if link.netns not in world.configs:
            problems.append(
                Problem(
                    ERROR,
                    f"link-netns for namespace {link.netns}, which has no configuration "
                    f"({world.paths.netns_interfaces(link.netns)})",
                    str(link.loc),
                )
            )
    return problems


def _check_xfrm(world: World, selected: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    if not world.xfrms:
        return problems
    from .uplink import block_p2p_uplink
    from .xfrm_conflicts import check_dest_conflicts

    services = world.service_namespaces()
    everything = [item for items in world.xfrms.values() for item in items]
    try:
        check_dest_conflicts(everything)
    except ConfigError as e:
        problems.append(Problem.of(e))
    if world.insides:
        from .inside import forwarding_conflicts

        # A service's routes against the sysctls of its destinations: warned at either's check.
        mine = [
            i
            for n, items in world.xfrms.items()
            for i in items
            if selected is None or n in selected or i.dest_netns in selected
        ]
        problems += [Problem.at(WARNING, m, loc) for m, loc in forwarding_conflicts(world.insides, mine)]
    for name, items in world.xfrms.items():
        if selected is not None and name not in selected:
            continue
        for item in items:
            if item.dest_netns in services:
                problems.append(Problem(ERROR, f"DestNetNS {item.dest_netns} is a service's namespace", str(item.loc)))
        for dest in dict.fromkeys(item.dest_netns for item in items):
            config = world.configs.get(dest) or Interfaces(world.paths.netns_interfaces(dest), ())
            try:
                block_p2p_uplink([i for i in items if i.dest_netns == dest], config)
            except ConfigError as e:
                problems.append(Problem.of(e))
    return problems


def _check_modes(world: World, selected: set[str] | None) -> list[Problem]:
    """sshd's StrictModes for what runs as root: every file read, the directories above it, the hook directories.

    Each must be owned by root (or by whoever runs the tool) and not writable by group or others:
    an `up` line or a hook is a command run as root.
    """
    paths = world.paths
    files = list(world.host.files) if world.host else []
    dirs = [f"{paths.host_network}/{d}" for d in HOOK_DIRS]
    for name in sorted(world.configs):
        if selected is None or name in selected:
            files += world.configs[name].files
            files += [paths.netns_xfrm(name)] if os.path.lexists(paths.netns_xfrm(name)) else []
            dirs += [f"{paths.netns_etc(name)}/network/{d}" for d in HOOK_DIRS]
    problems: list[Problem] = []
    seen: set[str] = set()
    for path, where in [(f, f"{f}:1") for f in files] + [(d, d) for d in dirs]:
        above = os.path.dirname(path)
        targets = [(path, where)]
        while (above == paths.etc or above.startswith(f"{paths.etc}/")) and above not in seen:
            targets.append((above, above))
            above = os.path.dirname(above)
        for target, at in targets:
            if target not in seen:
                seen.add(target)
                problems += _mode_problem(target, at)
    return problems


def _mode_problem(path: str, where: str) -> list[Problem]:
    try:
        st = os.stat(path)
    except OSError:
        return []  # not there: nothing runs from it (a missing file is reported where it is needed)
    hint = f" (hint: chown root:root {path}; chmod go-w {path})"
    if st.st_uid not in (0, os.geteuid()):
        return [Problem(ERROR, f"{path} is owned by uid {st.st_uid}, not root: its commands run as root{hint}", where)]
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        mode = f"{stat.S_IMODE(st.st_mode):04o}"
        msg = f"{path} is writable by group or others (mode {mode}): its commands run as root{hint}"
        return [Problem(ERROR, msg, where)]
    return []


def _check_symlinks(world: World, selected: set[str] | None) -> list[Problem]:
    """Start writes into the hook directories and the state directory: never through a symlink."""
    paths = world.paths
    problems = []
    state_parent = os.path.dirname(paths.state_dir("x"))
    for name in sorted(world.configs):
        if selected is not None and name not in selected:
            continue
        written = [f"{paths.netns_etc(name)}/network/{d}" for d in HOOK_DIRS]
        written += [os.path.dirname(state_parent), state_parent, paths.state_dir(name)]
        for path in written:
            if os.path.islink(path):
                msg = f"{path} is a symbolic link: start writes there, and never through a link (hint: rm {path})"
                problems.append(Problem(ERROR, msg, path))
    return problems
