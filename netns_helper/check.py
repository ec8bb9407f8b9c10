"""`check`: every configuration problem at once, before anything runs. `start` runs it too."""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from . import iproute
from .errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, ConfigError, Loc
from .facts import Link, Paths, list_namespaces, parse_links
from .ifupdown import check_defined, check_iface
from .interfaces import Iface, Interfaces, parse_file
from .links import veths
from .names import check_netns_name
from .planner import claimed, made_inside, vlan_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .cli import Context
    from .xfrm import Xfrm

ERROR, WARNING = "error", "warning"
Query = Callable[[tuple[str, ...]], str]


@dataclass(frozen=True)
class Problem:
    """One problem `check` found, printed as `where: severity: message`."""

    severity: str
    message: str
    where: str  # "path:line", or "path" when no line applies

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"

    @classmethod
    def of(cls, error: ConfigError, severity: str = ERROR) -> Problem:
        where = str(error.loc) if error.loc else error.message.split(":", 1)[0]
        message = error.message if error.loc else error.message.split(": ", 1)[-1]
        hint = f" (hint: {error.hint})" if error.hint else ""
        return cls(severity, message + hint, where)


@dataclass(frozen=True)
class Live:
    """Read-only facts about the running host that the checks compare configuration with."""

    host_links: Mapping[str, Link] = field(default_factory=dict)
    ns_links: Mapping[str, frozenset[str]] = field(default_factory=dict)  # of running namespaces
    default_devs: frozenset[str] = frozenset()  # links carrying the host's default routes
    ssh_dev: str | None = None  # the link this SSH session came in on
    complete: bool = True  # False: no link facts of running namespaces (start asks fewer questions)


def gather_live(paths: Paths, query: Query, host_links: Mapping[str, Link] | None = None) -> Live:
    """Facts for `check`; with HOST_LINKS (start has them already), skip the namespaces' links."""
    complete = host_links is None
    if host_links is None:
        host_links = parse_links(query(iproute.query_links()))
    ns_links = {}
    if complete:
        for netns in sorted(list_namespaces(paths)):
            ns_links[netns] = frozenset(parse_links(query(iproute.query_links(netns))))
    return Live(host_links, ns_links, default_route_devs(), _ssh_dev(query), complete)


def default_route_devs(proc: str = "/proc/net") -> frozenset[str]:
    """Links carrying this namespace's default routes, read from /proc (no process needed)."""
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
    for link in json.loads(query(("ip", "-j", "addr", "show")) or "[]"):
        if any(info.get("local") == words[2] for info in link.get("addr_info", [])):
            return str(link["ifname"])
    return None


class _World:
    """Every configuration file, parsed once."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self.problems: list[Problem] = []
        self.host: Interfaces | None = None
        self.configs: dict[str, Interfaces] = {}
        self.xfrms: dict[str, tuple[Xfrm, ...]] = {}
        self.bad_names: list[str] = []
        # The parse errors themselves, with their hints: start reports them as it always did.
        self.host_errors: list[ConfigError] = []
        self.config_errors: dict[str, list[ConfigError]] = {}


def _load(paths: Paths, selected: set[str] | None) -> _World:
    world = _World(paths)
    host_path = f"{paths.host_network}/interfaces"
    if os.path.exists(host_path):
        world.host = parse_file(host_path, world.host_errors)
        world.problems += [Problem.of(e, host_error_severity(e, world.host, selected)) for e in world.host_errors]
    base = f"{paths.etc}/netns"
    for name in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        if not os.path.isdir(f"{base}/{name}/network"):
            continue
        try:
            check_netns_name(name)
        except ConfigError:
            world.bad_names.append(name)
            continue
        wanted = selected is None or name in selected
        path = paths.netns_interfaces(name)
        if os.path.exists(path):
            errors = world.config_errors.setdefault(name, [])
            world.configs[name] = parse_file(path, errors)
            if wanted:
                world.problems += [Problem.of(e) for e in errors]
        xfrm_path = f"{base}/{name}/network/xfrm"
        if os.path.exists(xfrm_path):
            from .xfrm import parse_xfrm  # only IPsec gateways pay for it at start-up

            try:
                world.xfrms[name] = parse_xfrm(xfrm_path, name)
            except ConfigError as e:
                if wanted:
                    world.problems.append(Problem.of(e))
    return world


def host_error_severity(error: ConfigError, host: Interfaces, selected: set[str] | None) -> str:
    """An error in the host's file blocks only the namespaces whose start runs the host's ifupdown.

    Those are the namespaces with `link-netns` pairs (their host ends are brought up by the host's
    ifup, which reads the whole file); for the others the error is the host's own business: a warning.
    """
    if "link-netns" in error.message:
        return ERROR  # a broken link-netns line: which namespace it meant is unknown
    if any(selected is None or link.netns in selected for link in host.links):
        return ERROR
    return WARNING


def check(paths: Paths, names: Sequence[str] | None, live: Live | None) -> list[Problem]:
    """Problems of the namespaces NAMES (all when None), of the host's links, and between them.

    Without LIVE, only what the files say: no process is needed for that.
    """
    selected = set(names) if names is not None else None
    for name in names or ():
        check_netns_name(name)
    return _problems(_load(paths, selected), selected, live)


def _problems(world: _World, selected: set[str] | None, live: Live | None) -> list[Problem]:
    """What `check` reports of WORLD; computed again from the same parse for each LIVE."""
    paths = world.paths
    base = f"{paths.etc}/netns"
    problems = list(world.problems)
    for name in world.bad_names:
        problems.append(
            Problem(ERROR, f"{name!r} cannot be a namespace name: use letters, digits, '_', '.', '-'", f"{base}/{name}")
        )
    for name in sorted(selected or ()):
        if name not in world.configs:
            problems.append(Problem(ERROR, "no such file", paths.netns_interfaces(name)))
    claims = _claims(world)
    for name, config in world.configs.items():
        if selected is None or name in selected:
            problems += _check_namespace(name, config, world, claims, live)
    problems += _check_host_links(world, selected)
    problems += _check_xfrm(world, selected)
    return sorted(set(problems), key=_order)


def _order(problem: Problem) -> tuple[str, int, str]:
    path, _, line = problem.where.rpartition(":")
    return (path, int(line), problem.message) if line.isdigit() else (problem.where, 0, problem.message)


def _claims(world: _World) -> dict[str, list[tuple[str, Loc]]]:
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
    name: str, config: Interfaces, world: _World, claims: dict[str, list[tuple[str, Loc]]], live: Live | None
) -> list[Problem]:
    problems = [Problem.of(error) for error in check_defined(config)]
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
        for pattern, where in _host_auto_patterns(world.host):
            if fnmatch.fnmatchcase(dev, pattern.split("/")[1].split("=")[0]):
                problems.append(
                    Problem(ERROR, f"{dev} is also brought up by the host (auto {pattern} at {where})", str(loc))
                )
        if live is None:
            continue
        here = dev in live.host_links
        if live.complete and not here and dev not in live.ns_links.get(name, frozenset()):
            problems.append(Problem(WARNING, f"{dev} does not exist on this host (it may be hot-plugged)", str(loc)))
        if here and dev in live.default_devs:
            problems.append(
                Problem(WARNING, f"{dev} carries the host's default route: moving it cuts the host off", str(loc))
            )
        if here and dev == live.ssh_dev:
            problems.append(Problem(WARNING, f"{dev} carries this SSH connection: moving it cuts you off", str(loc)))
    for pair in pairs:
        if pair.bridge and live is not None and live.complete and pair.bridge not in live.host_links:
            problems.append(Problem(WARNING, f"host bridge {pair.bridge} does not exist on this host", str(pair.loc)))
    return problems


def _host_auto_patterns(host: Interfaces | None) -> list[tuple[str, Loc]]:
    """The host's `auto /NAME-GLOB` patterns (those on names; `mac/...` ones need the kernel's answer)."""
    return [(p, loc) for cls, p, loc in host.patterns() if cls == "auto" and p.startswith("/")] if host else []


def _check_values(iface: Iface) -> list[Problem]:
    """What ifup would refuse at run time (ifupdown.py's method tables), reported before anything runs."""
    return [Problem.of(error) for error in check_iface(iface)]


def _check_host_links(world: _World, selected: set[str] | None) -> list[Problem]:
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


def _service_namespaces(world: _World) -> set[str]:
    """Namespaces that services run in: they have an xfrm file or a service's drop-in."""
    units = f"{world.paths.etc}/systemd/system"
    return set(world.xfrms) | {
        name for name in world.configs if os.path.lexists(f"{units}/{name}.service.d/netns.conf")
    }


def _check_xfrm(world: _World, selected: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    if not world.xfrms:
        return problems
    from .xfrm import block_p2p_uplink, check_dest_conflicts

    services = _service_namespaces(world)
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


class Refused(Exception):
    """`start` found errors in its namespace's configuration: nothing runs (exit 2)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = tuple(problems)


def require_config(paths: Paths, name: str) -> None:
    """Start and stop of NAME need its interfaces file: say where it belongs."""
    path = paths.netns_interfaces(name)
    if not os.path.exists(path):
        raise ConfigError(
            f"{path}: no such file", hint=f"namespace {name} is configured in {path} (interfaces(5) format)"
        )


class StartCheck:
    """The checks of `check NAME`, for `start NAME`, on one parse of every file.

    Creating it checks the files, before any process runs: errors raise Refused, warnings
    go to stderr. `warn_live` then adds the warnings that need the facts start gathers.
    Start plans with the configuration parsed here (`config`, `host`): nothing is read twice.
    """

    def __init__(self, paths: Paths, name: str) -> None:
        check_netns_name(name)
        require_config(paths, name)
        self.name = name
        self.world = _load(paths, {name})
        host = self.world.host
        for parse_errors in (
            self.world.config_errors.get(name, []),
            [e for e in self.world.host_errors if host and host_error_severity(e, host, {name}) == ERROR],
        ):
            if parse_errors:
                raise parse_errors[0]
        problems = _problems(self.world, {name}, None)
        _warn(problems)
        errors = [p for p in problems if p.severity == ERROR]
        if errors:
            raise Refused(errors)
        self.config = self.world.configs[name]
        self.host = self.world.host

    def warn_live(self, live: Live) -> None:
        static = set(_problems(self.world, {self.name}, None))
        _warn([p for p in _problems(self.world, {self.name}, live) if p not in static])


def _warn(problems: Sequence[Problem]) -> None:
    for problem in problems:
        if problem.severity == WARNING:
            sys.stderr.write(f"{problem}\n")


def report(problems: Sequence[Problem], as_json: bool) -> int:
    if as_json:
        sys.stdout.write(json.dumps([_as_dict(p) for p in problems], indent=2) + "\n")
    else:
        sys.stdout.write("".join(f"{p}\n" for p in problems))
    if any(p.severity == ERROR for p in problems):
        return EXIT_CONFIG
    return EXIT_FAILED if problems else EXIT_OK


def _as_dict(problem: Problem) -> dict[str, object]:
    path, _, line = problem.where.rpartition(":")
    if not line.isdigit():
        path, line = problem.where, ""
    return {"path": path, "line": int(line) if line else None, "severity": problem.severity, "message": problem.message}


def run(ctx: Context, opts: Args) -> int:
    live = gather_live(ctx.paths, ctx.executor.query)
    names = opts.operands or None
    return report(check(ctx.paths, names, live), "--json" in opts.flags)
