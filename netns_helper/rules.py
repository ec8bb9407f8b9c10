"""The one rule set: every located problem of the configuration, for `check` and for `start`.

File rules need only the configuration world; live rules also need `Live`, the read-only facts
of the running host. Both commands evaluate the same rules with the same facts: `check` reports
every problem, `start` refuses on any error (the file rules before any process runs). The live
rules are the planner's own decisions (`planner.start_layout`), so what check says is what start
will find.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import ipjson, iproute, record
from .errors import ERROR, WARNING, ConfigError, Loc, Problem
from .facts import Facts, Paths, list_namespaces
from .interfaces import Iface, Interfaces
from .ipjson import Link
from .links import veths
from .planner import claimed, made_inside, start_layout, vlan_of
from .record import Record
from .world import World

Query = Callable[[tuple[str, ...]], str]


@dataclass(frozen=True)
class Live:
    """Read-only facts about the running host that the live rules compare configuration with."""

    host_links: Mapping[str, Link] = field(default_factory=dict)
    ns_links: Mapping[str, Mapping[str, Link]] = field(default_factory=dict)  # of running namespaces
    default_devs: frozenset[str] = frozenset()  # links carrying the host's default routes
    ssh_dev: str | None = None  # the link this SSH session came in on
    records: Mapping[str, Record] = field(default_factory=dict)  # what the starts of running namespaces did


def gather_live(paths: Paths, query: Query) -> Live:
    """The facts of the live rules for every namespace (`check`)."""
    running = sorted(list_namespaces(paths))
    ns_links = {netns: ipjson.links(query(iproute.query_links(netns))) for netns in running}
    host_links = ipjson.links(query(iproute.query_links()))
    # Quietly: `status` and stop say when a record is missing; check only uses what there is.
    found = {netns: record.read(paths.state_dir(netns), netns, quiet=True) for netns in running}
    records = {netns: rec for netns, rec in found.items() if rec is not None}
    return Live(host_links, ns_links, default_route_devs(f"{paths.proc}/net"), _ssh_dev(query), records)


def start_live(paths: Paths, query: Query, netns: str, facts: Facts) -> Live:
    """The same facts for the rules of NETNS, from what start has read already (nothing asked twice)."""
    ns_links = {netns: facts.ns_links} if netns in facts.namespaces else {}
    records = {netns: facts.record} if facts.record is not None else {}
    return Live(facts.host_links, ns_links, default_route_devs(f"{paths.proc}/net"), _ssh_dev(query), records)


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


def file_problems(world: World, selected: set[str] | None) -> list[Problem]:
    """The rules that need only the files."""
    paths = world.paths
    base = f"{paths.etc}/netns"
    found = [Problem.of(e) for e in world.host_errors]
    for errors in (world.config_errors, world.xfrm_errors):
        for name, its in errors.items():
            if selected is None or name in selected:
                found += [Problem.of(e) for e in its]
    for name in world.bad_names:
        found.append(
            Problem(ERROR, f"{name!r} cannot be a namespace name: use letters, digits, '_', '.', '-'", f"{base}/{name}")
        )
    for name in sorted(selected or ()):
        if name not in world.configs:
            found.append(Problem(ERROR, "no such file", paths.netns_interfaces(name)))
    claims = _claims(world)
    for name, config in world.configs.items():
        if selected is None or name in selected:
            found += _check_namespace(name, config, world, claims)
    found += _check_host_links(world, selected)
    found += _check_xfrm(world, selected)
    return found


def live_problems(world: World, selected: set[str] | None, live: Live) -> list[Problem]:
    """The rules that compare the files with the running host: start's own decisions on LIVE."""
    found: list[Problem] = []
    for name, config in world.configs.items():
        if selected is None or name in selected:
            found += _check_live(name, config, world, live)
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
            ends = {pair.ns_end for pair in veths(name, config, world.host)}
        except ConfigError:
            continue  # reported by the namespace's own checks
        for dev, loc in taken.items():
            if dev not in ends and not made_inside(dev, config):
                claims.setdefault(dev, []).append((name, loc))
    return claims


def _check_namespace(
    name: str, config: Interfaces, world: World, claims: dict[str, list[tuple[str, Loc]]]
) -> list[Problem]:
    problems: list[Problem] = []
    for iface in config.ifaces:
        problems += _check_values(iface)
    for link in config.links:
        problems.append(
            Problem(WARNING, "link-netns belongs in the host's /etc/network/interfaces: ignored here", str(link.loc))
        )
    try:
        pairs = veths(name, config, world.host)
        taken = claimed(config)
    except ConfigError as e:
        return [*problems, Problem.of(e)]
    ends = {pair.ns_end for pair in pairs}
    host_auto = dict(world.host.allowed("auto")) if world.host else {}
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
        if dev in host_auto:
            problems.append(
                Problem(ERROR, f"{dev} is also brought up by the host (auto at {host_auto[dev]})", str(loc))
            )
    return problems


def _check_live(name: str, config: Interfaces, world: World, live: Live) -> list[Problem]:
    try:
        pairs = veths(name, config, world.host)
        taken = claimed(config)
    except ConfigError:
        return []  # a file rule reports it
    problems = list(
        start_layout(config, live.host_links, live.ns_links.get(name), pairs, live.records.get(name)).problems
    )
    ends = {pair.ns_end for pair in pairs}
    for dev, loc in taken.items():
        if dev in ends or dev not in live.host_links or made_inside(dev, config):
            continue
        if dev in live.default_devs:
            problems.append(
                Problem(WARNING, f"{dev} carries the host's default route: moving it cuts the host off", str(loc))
            )
        if dev == live.ssh_dev:
            problems.append(Problem(WARNING, f"{dev} carries this SSH connection: moving it cuts you off", str(loc)))
    return problems


def _check_values(iface: Iface) -> list[Problem]:
    problems = []
    family = {"inet": 4, "inet6": 6}.get(iface.family)
    for opt in iface.options:
        try:
            if opt.key == "address" and family:
                for word in opt.value.split():
                    address = ipaddress.ip_interface(word)
                    if address.version != family:
                        raise ValueError(f"{word} is not an IPv{family} address ({iface.family} stanza)")
            elif opt.key in ("gateway", "netmask") and family:
                value = ipaddress.ip_address(opt.value.split()[0]) if opt.key == "gateway" else None
                if value is not None and value.version != family:
                    raise ValueError(f"{opt.value} is not an IPv{family} address")
                if opt.key == "netmask" and family == 4:
                    ipaddress.IPv4Network(f"0.0.0.0/{opt.value}")
            elif opt.key == "mtu" and not 68 <= int(opt.value) <= 65535:
                raise ValueError(f"MTU {opt.value} is outside 68..65535")
        except ValueError as e:
            problems.append(Problem(ERROR, f"invalid {opt.name} for {iface.name}: {e}", str(opt.loc)))
    return problems


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
