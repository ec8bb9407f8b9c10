"""Command line: parse arguments, plan, then execute or print the plan."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import __version__, args, check, facts, interfaces, iproute, links, lock, planner
from .commands import Plan, script
from .errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, ConfigError
from .executor import CommandFailed, Executor
from .names import check_netns_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from . import tunnels

PROG = "netns-helper"

EPILOG = """\
examples:
  netns-helper --print-commands start nginx   # show what start would run, as sh
  netns-helper --verbose start nginx          # build namespace nginx, log each command
  netns-helper stop nginx

exit codes: 0 success, 1 a command failed, 2 usage or configuration error.
"""


COMMANDS = (
    args.Command(
        "start", "NAME", 1, 1, "build namespace NAME",
        "Create namespace NAME from /etc/netns/NAME/network/interfaces: move its NICs in, create its VLANs\n"
        "of host NICs inside it, and run ifup -a inside with its own ifupdown state.",
        "netns-helper --verbose start nginx",
    ),
    args.Command(
        "stop", "NAME", 1, 1, "tear down namespace NAME",
        "Run ifdown -a inside NAME, end its processes, return its NICs to this namespace, delete the\n"
        "VLANs it made, and delete NAME. Every step runs even when one fails.",
        "netns-helper stop nginx",
    ),
    args.Command(
        "check", "[NAME ...]", 0, None, "validate configuration, change nothing",
        "Validate the host's /etc/network/interfaces (its link-netns stanzas) and every\n"
        "/etc/netns/*/network/{interfaces,xfrm} (or only NAME's) against each other and this host.\n"
        "Each problem is reported as `path:line: error|warning: message`.\n"
        "Exit 0 when clean, 1 with warnings only, 2 with errors.",
        "netns-helper check nginx",
        flags=(("--json", "print the problems as a JSON list"),),
    ),
    args.Command(
        "enable", "SERVICE", 1, 1, "run SERVICE in its namespace (the drop-in)",
        "Create /etc/systemd/system/SERVICE.service.d/ with the netns.conf symlink, and reload systemd.",
        "netns-helper enable --now nginx",
        flags=(("--now", "restart SERVICE as well"),),
    ),
    args.Command(
        "join", "SERVICE2 SERVICE1", 2, 2, "run SERVICE2 in SERVICE1's namespace",
        "Write SERVICE2's drop-in that binds it to SERVICE1's namespace, and reload systemd.",
        "netns-helper join --restart-with service2 service1",
        flags=(("--restart-with", "restart SERVICE2 whenever SERVICE1 restarts (deps.conf)"),),
    ),
    args.Command(
        "disable", "SERVICE", 1, 1, "undo enable or join",
        "Remove what enable or join wrote for SERVICE, and reload systemd.",
        "netns-helper disable nginx",
    ),
    args.Command(
        "status", "[NAME]", 0, 1, "show managed namespaces and what is wrong",
        "For each namespace: its unit, services, processes, links, XFRM interfaces, and drift from\n"
        "its configuration. Exit 0 when all is as configured, 1 otherwise.",
        "netns-helper status --json nginx",
        flags=(("--json", "print the status as JSON"),),
    ),
    args.Command(
        "metrics", "", 0, 0, "write Prometheus node-exporter textfile metrics",
        "Write per-namespace link counters and states, XFRM interface and process counts, atomically,\n"
        "into the node-exporter textfile directory.",
        "netns-helper metrics --textfile-dir=/var/lib/prometheus/node-exporter",
        options=(("--textfile-dir", "DIR", "default /var/lib/prometheus/node-exporter"),),
    ),
)  # fmt: skip


def _paths() -> facts.Paths:
    # Only for tests of the command line: `ip netns exec` always binds from /etc/netns.
    root = os.environ.get("NETNS_HELPER_ROOT", "")
    return facts.Paths(etc=f"{root}/etc", run=f"{root}/run")


def _load(paths: facts.Paths, name: str) -> interfaces.Interfaces:
    check.require_config(paths, name)
    return interfaces.parse_file(paths.netns_interfaces(name))


def _host_config(paths: facts.Paths) -> interfaces.Interfaces | None:
    """The host's /etc/network/interfaces, for its link-netns stanzas; None when unusable (stop)."""
    path = f"{paths.host_network}/interfaces"
    if not os.path.exists(path):
        return None
    try:
        return interfaces.parse_file(path)
    except ConfigError as e:
        _warn("ignoring the host's links; its configuration has an error", e)
        return None


def _warn(message: str, error: ConfigError) -> None:
    sys.stderr.write(f"{PROG}: warning: {message}:\n{error}\n")


def _stop_facts(
    paths: facts.Paths,
    name: str,
    config: interfaces.Interfaces | None,
    host: interfaces.Interfaces | None,
    executor: Executor,
) -> facts.Facts:
    # The host's links matter to stop only to delete the host ends of veth pairs.
    need_host_links = bool(links.veths(name, config, host))
    return facts.gather(paths, name, executor.query, host_links=need_host_links)


def _xfrm_files(paths: facts.Paths) -> dict[str, str]:
    """Every namespace with an xfrm file: name -> path."""
    base = f"{paths.etc}/netns"
    names = sorted(os.listdir(base)) if os.path.isdir(base) else []
    return {n: f"{base}/{n}/network/xfrm" for n in names if os.path.isfile(f"{base}/{n}/network/xfrm")}


def _dests(
    paths: facts.Paths,
    service: str,
    host: interfaces.Interfaces | None,
    executor: Executor,
    starting: bool,
    locks: contextlib.ExitStack | None,
) -> tuple[tunnels.Dest, ...]:
    """SERVICE's destination namespaces, when its network directory has an xfrm file."""
    files = _xfrm_files(paths)
    if service not in files:
        return ()
    from . import tunnels, xfrm  # only IPsec gateways pay for these at start-up

    mine = xfrm.parse_xfrm(files[service], service)
    others: dict[str, tuple[xfrm.Xfrm, ...]] = {}
    for other, path in files.items():
        if other != service:
            try:
                others[other] = xfrm.parse_xfrm(path, other)
            except ConfigError as e:
                _warn(f"ignoring {path} (its own start reports it)", e)
    wanted = sorted(dict.fromkeys(item.dest_netns for item in mine))
    if locks is not None:
        for dest in wanted:
            locks.enter_context(lock.locked(paths, dest))
    running = facts.list_namespaces(paths)
    dests = []
    for dest in dict.fromkeys(item.dest_netns for item in mine):
        items = tuple(item for item in mine if item.dest_netns == dest)
        path = paths.netns_interfaces(dest)
        config = interfaces.parse_file(path) if os.path.exists(path) else interfaces.Interfaces(path, ())
        users = frozenset(o for o, its in others.items() if o in running and any(i.dest_netns == dest for i in its))
        live = (
            facts.gather(paths, dest, executor.query, host_links=False)
            if starting
            else _stop_facts(paths, dest, config, host, executor)
        )
        busy = not starting and dest in running and bool(executor.query(iproute.query_pids(dest)).split())
        dests.append(tunnels.Dest(dest, config, live, items, xfrm.block_p2p_uplink(items, config), users, busy))
    return tuple(dests)


def _plan(command: str, name: str, paths: facts.Paths, executor: Executor, locks: contextlib.ExitStack | None) -> Plan:
    """The plan; with LOCKS, destination namespaces are locked too (after NAME: never the reverse)."""
    check_netns_name(name)
    if command == "start":
        pre = check.StartCheck(paths, name)  # every file error, before any process
        config, host = pre.config, pre.host
        live = facts.gather(paths, name, executor.query)
        pre.warn_live(check.gather_live(paths, executor.query, live.host_links))
        dests = _dests(paths, name, host, executor, starting=True, locks=locks)
        if not dests:
            return planner.plan_start(name, config, live, paths, host)
        from . import tunnels

        return tunnels.plan_start_service(name, config, live, paths, host, dests)
    try:
        stop_config: interfaces.Interfaces | None = _load(paths, name)
    except ConfigError as e:
        # Stopping must work even when the configuration was broken or removed meanwhile.
        _warn("stopping what is running; the configuration has an error", e)
        stop_config = None
    host = _host_config(paths)
    try:
        stop_dests = _dests(paths, name, host, executor, starting=False, locks=locks)
    except ConfigError as e:
        _warn("leaving XFRM interfaces and destinations alone; the configuration has an error", e)
        stop_dests = ()
    live = _stop_facts(paths, name, stop_config, host, executor)
    if not stop_dests:
        return planner.plan_stop(name, stop_config, live, paths, host)
    from . import tunnels

    return tunnels.plan_stop_service(name, stop_config, live, paths, host, stop_dests)


@dataclass(frozen=True)
class Context:
    """What every command's handler gets."""

    paths: facts.Paths
    executor: Executor
    print_commands: bool


def run_plan(ctx: Context, plan: Plan) -> int:
    """Print PLAN as sh (--print-commands) or execute it; report failures; the exit code."""
    if ctx.print_commands:
        sys.stdout.write(script([plan]))
        return EXIT_OK
    for note in plan.notes:
        sys.stderr.write(f"{PROG}: note: {note}\n")
    outcome = ctx.executor.execute(plan)
    if outcome.ok:
        return EXIT_OK
    sys.stderr.write(f"{PROG}: {plan.title} failed:\n")
    for failure in outcome.failures:
        sys.stderr.write(f"  {failure}\n")
    if outcome.undone:
        sys.stderr.write("  undone:\n" + "".join(f"    {line}\n" for line in outcome.undone))
    return EXIT_FAILED


def _start_stop(ctx: Context, opts: args.Args) -> int:
    check_netns_name(opts.name)
    if ctx.executor.processes.in_netns(os.getpid(), f"{ctx.paths.run_netns}/{opts.name}"):
        # It would end its own process (stop) or stop the namespace it stands in (a leftover's start).
        sys.stderr.write(
            f"{PROG}: refusing to {opts.command} {opts.name} from inside namespace {opts.name}"
            f" (ip netns exec?): it would end itself halfway; run it in the host's namespace\n"
        )
        return EXIT_CONFIG
    if ctx.print_commands:
        return run_plan(ctx, _plan(opts.command, opts.name, ctx.paths, ctx.executor, None))
    try:
        with contextlib.ExitStack() as locks:
            locks.enter_context(lock.locked(ctx.paths, opts.name))
            return run_plan(ctx, _plan(opts.command, opts.name, ctx.paths, ctx.executor, locks))
    except lock.Busy as e:
        sys.stderr.write(f"{PROG}: {e}\n")
        return EXIT_FAILED


# Handlers of other commands live in their own modules, imported only when used: start-up
# time at boot is paid by start and stop.
HANDLERS: dict[str, Callable[[Context, args.Args], int] | str] = {
    "start": _start_stop,
    "stop": _start_stop,
    "check": "netns_helper.check",
    "enable": "netns_helper.dropins",
    "join": "netns_helper.dropins",
    "disable": "netns_helper.dropins",
    "status": "netns_helper.status",
    "metrics": "netns_helper.metrics",
}


def _handler(command: str) -> Callable[[Context, args.Args], int]:
    handler = HANDLERS[command]
    if isinstance(handler, str):
        import importlib

        run: Callable[[Context, args.Args], int] = importlib.import_module(handler).run
        return run
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = args.parse(PROG, sys.argv[1:] if argv is None else argv, COMMANDS, EPILOG, __version__)
    except args.Exit as e:
        sys.stdout.write(e.text)
        return EXIT_OK
    except args.UsageError as e:
        sys.stderr.write(f"{PROG}: error: {e}\n(see {PROG} --help)\n")
        return EXIT_CONFIG
    paths = _paths()
    executor = Executor(verbose="--verbose" in opts.flags, run_netns=paths.run_netns)
    ctx = Context(paths, executor, "--print-commands" in opts.flags)
    try:
        return _handler(opts.command)(ctx, opts)
    except ConfigError as e:
        sys.stderr.write(f"{e}\n")
        return EXIT_CONFIG
    except check.Refused as e:
        sys.stderr.write(f"{e}\n{PROG}: refusing to start: the configuration has errors (see netns-helper check)\n")
        return EXIT_CONFIG
    except CommandFailed as e:
        sys.stderr.write(f"{PROG}: cannot read the system's state: {e}\n")
        return EXIT_FAILED
