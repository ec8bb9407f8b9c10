# SPDX-License-Identifier: GPL-3.0-or-later
"""`status`: each namespace the tool manages, as it is, and what differs from its configuration.

Namespaces are those configured (`/etc/netns/NAME/network/interfaces`) and those running
(`/run/netns/NAME`). Everything is read: unit states with one `systemctl show`, then, per
running namespace, `ip -j -d addr show`, and its processes from one walk of /proc (as
`ip netns pids` finds them), which also finds namespaces deleted but kept alive (kept.py).
Nothing changes.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from . import ipjson, iproute, kept, publish
from .errors import EXIT_FAILED, EXIT_OK, ConfigError
from .executor import CommandFailed, query_all
from .facts import Paths, by_name, identities, list_namespaces, pids_in
from .interfaces import Interfaces
from .ipjson import Link
from .links import veths
from .names import check_netns_name
from .planner import claimed
from .values import asdict
from .world import World, host_or_warn, load
from .xfrm import Xfrm

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .facts import Query
    from .runtime import Context
    from .wireguard import InterfaceState

UNKNOWN = "unknown"  # a unit's state when systemd does not run here
# Devices the kernel puts into every new namespace once their module is loaded: never drift.
FALLBACK_DEVICES = frozenset(
    {"sit0", "tunl0", "gre0", "gretap0", "erspan0", "ip_vti0", "ip6_vti0", "ip6tnl0", "ip6gre0"}
)
_UNIT_PROPERTIES = "Id,ActiveState,SubState,MainPID"


@dataclass(frozen=True)
class Unit:
    name: str
    active: str = UNKNOWN  # ActiveState: active, inactive, failed, activating, ...
    sub: str = UNKNOWN  # SubState: running, exited, dead, ...
    main_pid: int | None = None


@dataclass(frozen=True)
class Service:
    unit: Unit
    dropin: str  # the drop-in that runs it in the namespace


@dataclass(frozen=True)
class XfrmState:
    """An XFRM interface of this namespace's xfrm file, and whether it is in its destination now."""

    name: str
    if_id: int
    dest: str
    prefixes: tuple[str, ...]
    present: bool | None  # None while this namespace is not running


@dataclass(frozen=True)
class Peer:
    """A veth pair of the namespace's configuration (`link-netns`, or a `BRIDGE..ID` port)."""

    ns_end: str
    host_end: str
    bridge: str | None  # the host bridge the host end is a port of


@dataclass(frozen=True)
class Birth:
    """A WireGuard interface of the namespace's configuration and its birth namespace (None: the host)."""

    interface: str
    netns: str | None


@dataclass(frozen=True)
class Namespace:
    name: str
    config: str | None  # the interfaces file; None when the namespace is not configured
    running: bool
    unit: Unit
    services: tuple[Service, ...] = ()
    dest_of: tuple[str, ...] = ()  # services whose XFRM interfaces go into this namespace
    pids: tuple[int, ...] = ()
    links: tuple[Link, ...] = ()
    xfrm: tuple[XfrmState, ...] = ()
    wireguard: tuple[InterfaceState, ...] = ()  # `wg show`: peers, handshakes, transfer
    problems: tuple[str, ...] = ()
    peers: tuple[Peer, ...] = ()
    births: tuple[Birth, ...] = ()  # where the configured WireGuard interfaces' sockets live
    published: tuple[publish.Published, ...] = ()  # ports `publish` made reachable from the host
    kept: tuple[kept.Holder, ...] = ()  # what keeps an earlier incarnation, deleted, alive (kept.py)

    @property
    def ok(self) -> bool:
        return not self.problems


def unit_name(netns: str) -> str:
    return f"systemd-netns@{netns}.service"


def parse_show(output: str) -> dict[str, Unit]:
    """Units by name from `systemctl show -p Id,ActiveState,SubState,MainPID UNIT...`."""
    units: dict[str, Unit] = {}
    for block in output.strip().split("\n\n"):
        props = dict(line.partition("=")[::2] for line in block.splitlines() if "=" in line)
        if "Id" in props:
            pid = int(props.get("MainPID") or 0)
            units[props["Id"]] = Unit(
                props["Id"], props.get("ActiveState", UNKNOWN), props.get("SubState", UNKNOWN), pid or None
            )
    return units


@dataclass(frozen=True)
class _Config:
    """A namespace's configuration, read once: what it brings up and what it may bring up."""

    required: frozenset[str] = frozenset()  # auto interfaces and their members, veth ends
    optional: frozenset[str] = frozenset()  # allow-hotplug only
    xfrm: tuple[Xfrm, ...] = ()
    errors: tuple[str, ...] = ()
    peers: tuple[Peer, ...] = ()
    births: tuple[Birth, ...] = ()


def _read_config(world: World, name: str, host: Interfaces | None) -> _Config:
    errors: list[str] = [str(e) for e in world.config_errors.get(name, ())[:1]]
    required: set[str] = set()
    optional: set[str] = set()
    config = world.config(name)
    if config is not None:
        try:
            auto = {n for n, _ in config.allowed("auto")}
            hotplug = {n for n, _ in config.allowed("hotplug")} - auto
            wanted = set(claimed(config))
            required, optional = wanted - hotplug, hotplug
        except ConfigError as e:
            errors.append(str(e))
    peers: tuple[Peer, ...] = ()
    try:
        peers = tuple(Peer(v.ns_end, v.host_end, v.bridge) for v in veths(name, config, host))
        required |= {peer.ns_end for peer in peers}
    except ConfigError as e:
        errors.append(str(e))
    errors += [str(e) for e in world.xfrm_errors.get(name, ())[:1]]
    errors += [str(e) for e in world.wireguard_errors.get(name, ())[:1]]
    births = tuple(Birth(wg.name, wg.birth) for wg in world.wireguard.get(name, ()))
    aliases = {n for n in required | optional if ":" in n}  # ifupdown's labels, not devices
    return _Config(
        frozenset(required - aliases),
        frozenset(optional - aliases),
        world.xfrms.get(name, ()),
        tuple(errors),
        peers,
        births,
    )


@dataclass(frozen=True)
class _World:
    """Everything read, for the namespaces listed and the destinations of their XFRM interfaces."""

    paths: Paths
    configured: frozenset[str]
    running: frozenset[str]
    configs: Mapping[str, _Config]
    units: Mapping[str, Unit]
    bindings: Mapping[str, tuple[tuple[str, str], ...]]
    links: Mapping[str, tuple[Link, ...]]
    pids: Mapping[str, tuple[int, ...]]
    read_errors: Mapping[str, str] = field(default_factory=dict)
    wireguard: Mapping[str, tuple[InterfaceState, ...]] = field(default_factory=dict)
    published: Mapping[str, tuple[publish.Published, ...]] = field(default_factory=dict)
    kept: Mapping[str, list[kept.Holder]] = field(default_factory=dict)

    def unit(self, name: str) -> Unit:
        return self.units.get(name, Unit(name))


def gather(paths: Paths, query: Query, only: str | None = None) -> tuple[Namespace, ...]:
    """The status of every namespace, or of ONLY."""
    everything = load(paths)
    configured = frozenset(everything.configs)
    running = list_namespaces(paths)
    # One walk of /proc: the processes of the running namespaces and of those deleted but kept (kept.py).
    named, notes = identities(paths, sorted(running)), kept.read_notes(paths)
    in_ns = pids_in(paths, set(named) | {note.identity for note in notes})
    held = kept.holders(paths, notes, in_ns, named)
    names = tuple(sorted(configured | running | set(held)))
    if only is not None:
        check_netns_name(only)
        if only not in names:
            raise ConfigError(
                f"namespace {only} is neither configured ({paths.netns_interfaces(only)}) nor running",
                hint="netns-helper status lists every namespace",
            )
        names = (only,)
    host = host_or_warn(everything)
    configs = {name: _read_config(everything, name, host) for name in sorted(configured | running | set(held))}
    bound = everything.bindings()
    units = _units(
        paths, query, [unit_name(n) for n in names] + [f"{s}.service" for n in names for s, _ in bound.get(n, ())]
    )
    # A service's XFRM interfaces are looked for in their destinations.
    wanted = set(names) | {item.dest_netns for n in names for item in configs[n].xfrm}
    links: dict[str, tuple[Link, ...]] = {}
    errors: dict[str, str] = {}
    read = sorted(wanted & running)
    for name, out in zip(
        read, query_all(query, [(iproute.IP, "-n", n, "-j", "-d", "addr", "show") for n in read]), strict=True
    ):
        if isinstance(out, CommandFailed):  # deleted meanwhile, most likely
            errors[name] = f"cannot read namespace {name}: {out}"
        else:
            links[name] = tuple(ipjson.links(out).values())
    pids = {name: p for name, p in by_name(named, in_ns).items() if name in links and name in names}
    wireguard: dict[str, tuple[InterfaceState, ...]] = {}
    for name in sorted(set(links) & set(names)):
        if any(link.kind == "wireguard" for link in links[name]):
            from .wireguard import read_states  # only WireGuard namespaces pay for it

            try:
                wireguard[name] = read_states(query, name)
            except CommandFailed as e:
                errors[name] = f"cannot read the WireGuard interfaces of {name}: {e}"
    world = _World(
        paths,
        configured,
        running,
        configs,
        units,
        bound,
        links,
        pids,
        errors,
        wireguard,
        publish.published(paths),
        held,
    )
    return tuple(_namespace(world, name) for name in names)


def _units(paths: Paths, query: Query, names: Sequence[str]) -> dict[str, Unit]:
    if not paths.systemd_booted:
        return {}
    try:
        return parse_show(query(("systemctl", "show", "-p", _UNIT_PROPERTIES, "--", *names)))
    except CommandFailed as e:
        sys.stderr.write(f"netns-helper: warning: unit states are unknown: {e}\n")
        return {}


def _namespace(world: _World, name: str) -> Namespace:
    config = world.configs[name]
    running = name in world.running
    unit = world.unit(unit_name(name))
    services = tuple(Service(world.unit(f"{s}.service"), path) for s, path in world.bindings.get(name, ()))
    dest_of = tuple(s for s, c in sorted(world.configs.items()) if any(i.dest_netns == name for i in c.xfrm))
    xfrm = tuple(
        XfrmState(
            i.name,
            i.if_id,
            i.dest_netns,
            tuple(map(str, i.prefixes)),
            any(link.name == i.name for link in world.links.get(i.dest_netns, ())) if running else None,
        )
        for i in config.xfrm
    )
    links = world.links.get(name, ())
    pids = world.pids.get(name, ())
    problems = [*config.errors]
    if name in world.read_errors:
        problems.append(world.read_errors[name])
    problems += _unit_problems(world, name, unit, links, dest_of)
    problems += _service_problems(world, name, services, pids)
    if running and (name in world.configured or dest_of):
        problems += _drift(world, name, links, dest_of)
    problems += [f"XFRM interface {x.name} is missing from namespace {x.dest}" for x in xfrm if x.present is False]
    holders = tuple(world.kept.get(name, ()))
    problems += [holder.problem(name) for holder in holders]
    return Namespace(
        name=name,
        config=world.paths.netns_interfaces(name) if name in world.configured else None,
        running=running,
        unit=unit,
        services=services,
        dest_of=dest_of,
        pids=pids,
        links=links,
        xfrm=xfrm,
        wireguard=world.wireguard.get(name, ()),
        problems=tuple(problems),
        peers=config.peers,
        births=config.births,
        published=world.published.get(name, ()),
        kept=holders,
    )


def _unit_problems(world: _World, name: str, unit: Unit, links: Sequence[Link], dest_of: Sequence[str]) -> list[str]:
    running = name in world.running
    if dest_of:
        # A destination is built by the start of a service routing into it, or started on its own
        # (its unit); a service's stop leaves it while processes run in it.
        in_use = unit.active == "active" or world.pids.get(name)
        if running and not in_use and not any(s in world.running for s in dest_of):
            return [f"leftover: destination namespace {name} runs, but none of {', '.join(dest_of)} does"]
        return []
    if name not in world.configured:
        return [
            f"stranded NIC {link.name} in namespace {name}, which nothing configures: "
            f"ip -n {name} link set dev {link.name} netns 1"
            for link in links
            if link.kind is None and link.name != "lo"
        ]
    if unit.active == "failed":
        return [f"{unit.name} failed: journalctl -u {unit.name}"]
    if unit.active == "active" and not running:
        return [f"{unit.name} is active but namespace {name} does not exist: systemctl restart {unit.name}"]
    if unit.active == "inactive" and running:
        return [f"leftover: namespace {name} runs, but {unit.name} is inactive: netns-helper stop {name}"]
    return []


def _service_problems(world: _World, name: str, services: Sequence[Service], pids: Sequence[int]) -> list[str]:
    problems = []
    for service in services:
        unit = service.unit
        if name not in world.configured and name not in world.running:
            problems.append(f"{unit.name} is bound to namespace {name}, which has no configuration")
        elif unit.active == "active" and unit.main_pid and unit.main_pid not in pids:
            # Its drop-in came after it started, or its namespace was deleted under it.
            problems.append(
                f"{unit.name} runs outside namespace {name} (main pid {unit.main_pid}): systemctl restart {unit.name}"
            )
    return problems


def _drift(world: _World, name: str, links: Sequence[Link], dest_of: Sequence[str]) -> list[str]:
    config = world.configs[name]
    present = {link.name: link for link in links}
    into = {i.name for s in dest_of for i in world.configs[s].xfrm if i.dest_netns == name}
    allowed = config.required | config.optional | into | FALLBACK_DEVICES | {"lo"}
    problems = [f"drift: {n} is configured but not in namespace {name}" for n in sorted(config.required - set(present))]
    problems += [
        f"drift: {n} is in namespace {name} but not in its configuration" for n in sorted(set(present) - allowed)
    ]
    problems += [
        f"drift: {n} is down in namespace {name}, but configured up"
        for n in sorted(config.required & set(present))
        if not present[n].admin_up
    ]
    return problems


def _link_dict(link: Link) -> dict[str, object]:
    return {
        "name": link.name,
        "kind": link.kind,
        "state": link.operstate,
        "up": link.admin_up,
        "addresses": list(link.addresses),
        "parent": link.parent,
    }


def as_json(namespaces: Iterable[Namespace]) -> str:
    items = [
        {
            **dataclasses.asdict(ns),
            "links": [_link_dict(link) for link in ns.links],
            "kept": asdict(ns.kept),
            "ok": ns.ok,
        }
        for ns in namespaces
    ]
    return json.dumps({"ok": all(i["ok"] for i in items), "namespaces": items}, indent=2) + "\n"


def _unit_text(unit: Unit) -> str:
    pid = f", main pid {unit.main_pid}" if unit.main_pid else ""
    return f"{unit.name}: {unit.active} ({unit.sub}){pid}" if unit.active != UNKNOWN else f"{unit.name}: unknown"


def as_text(namespaces: Iterable[Namespace], now: float | None = None) -> str:
    """NOW (Unix time) dates the WireGuard handshakes; the clock's when None."""
    out = []
    for ns in namespaces:
        count = len(ns.problems)
        verdict = "ok" if ns.ok else f"{count} problem{'s' if count > 1 else ''}"
        out.append(f"{ns.name}: {'running' if ns.running else 'stopped'}, {verdict}")
        rows = [("configuration", ns.config or "none"), ("unit", _unit_text(ns.unit))]
        rows += [("service", f"{_unit_text(s.unit)} (drop-in {s.dropin})") for s in ns.services]
        if ns.dest_of:
            rows.append(("destination of", ", ".join(ns.dest_of)))
        if ns.running:
            rows.append(("processes", " ".join(map(str, ns.pids)) or "none"))
        for link in ns.links:
            flags = "" if link.admin_up else " (admin down)"
            rows.append(("link", " ".join((link.name, link.operstate + flags, *link.addresses))))
        for x in ns.xfrm:
            where = {True: "present", False: "missing", None: "not running"}[x.present]
            rows.append(("xfrm", f"{x.name} if_id {x.if_id} -> {x.dest} ({', '.join(x.prefixes)}): {where}"))
        if ns.wireguard:
            from .wireguard import status_rows

            rows += status_rows(ns.wireguard, now)
        rows += [("published", f"{p.listen} -> {p.target} ({p.unit})") for p in ns.published]
        rows += [("problem", p) for p in ns.problems]
        out += [f"  {key:<15} {value}" for key, value in rows]
    return "\n".join(out) + "\n" if out else "no namespace is configured or running\n"


def run(ctx: Context, opts: Args) -> int:
    namespaces = gather(ctx.paths, ctx.executor.query, opts.operands[0] if opts.operands else None)
    sys.stdout.write(as_json(namespaces) if "--json" in opts.flags else as_text(namespaces))
    return exit_code(namespaces)


def exit_code(namespaces: Sequence[Namespace]) -> int:
    return EXIT_OK if all(ns.ok for ns in namespaces) else EXIT_FAILED
