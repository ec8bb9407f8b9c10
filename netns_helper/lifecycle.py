# SPDX-License-Identifier: GPL-3.0-or-later
"""Start, stop and reload of a namespace: configuration + facts -> checks -> plan -> run, under its lock.

The rule set (rules.py, and hostnet.py with it) is imported where start and reload judge with
it: stop, which must work whatever the configuration says, does not pay for it at start-up.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence

from . import args, facts, interfaces, kept, links, lock, planner
from .commands import Plan
from .errors import ERROR, EXIT_CONFIG, EXIT_FAILED, WARNING, ConfigError, Problem
from .executor import CommandFailed, Executor
from .names import check_netns_name
from .runtime import PROG, Context, run_plan, warn
from .world import Scope, World, host_or_warn, load, require_config

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from . import xfrm_planner


class Refused(Exception):
    """`start` (or `reload`) found errors in its namespace's configuration: nothing runs (exit 2)."""

    def __init__(self, problems: Sequence[Problem], command: str = "start") -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = tuple(problems)
        self.command = command


def _judge(problems: list[Problem], command: str = "start") -> None:
    """Start's verdict on the rules' problems: warnings go to stderr, any error refuses."""
    from . import rules

    found = rules.ordered(problems)
    sys.stderr.write("".join(f"{p}\n" for p in found if p.severity == WARNING))
    errors = [p for p in found if p.severity == ERROR]
    if errors:
        raise Refused(errors, command)


def start_check(
    world: World, name: str, query: facts.Query, locks: contextlib.ExitStack | None = None
) -> tuple[facts.Facts, dict[str, facts.Facts]]:
    """The rules of `check NAME`, on the same facts, before start plans: the facts start plans with,
    NAME's and its XFRM destinations' (each locked first with LOCKS).

    Parse errors are raised as they are, and the file rules judged, before any process runs.
    """
    from . import rules

    require_config(world.paths, name)
    for parse_errors in (world.config_errors.get(name, ()), world.host_blocking(rules.with_dests(world, {name}))):
        if parse_errors:
            raise parse_errors[0]
    _judge(rules.file_problems(world, {name}))
    _judge(rules.ruleset_problems(world, rules.inside_scope(world, {name}), query))  # nft's own check
    live = facts.gather(world.paths, name, query)
    dests = _lock_dests(world, name, locks)
    dest_facts = {dest: facts.gather(world.paths, dest, query, host_links=False) for dest in dests}
    _judge(rules.live_problems(world, {name}, rules.start_live(world.paths, query, name, live, dest_facts)))
    return live, dest_facts


def _stop_config(world: World, name: str) -> interfaces.Interfaces | None:
    """NAME's configuration for stop; None when it is broken or gone (stop goes on without it)."""
    try:
        require_config(world.paths, name)
        errors = world.config_errors.get(name, ())
        if errors:
            raise errors[0]
    except ConfigError as e:
        # Stopping must work even when the configuration was broken or removed meanwhile.
        warn("stopping what is running; the configuration has an error", e)
        return None
    return world.configs[name]


def _stop_facts(
    paths: facts.Paths,
    name: str,
    config: interfaces.Interfaces | None,
    host: interfaces.Interfaces | None,
    executor: Executor,
) -> facts.Facts:
    # The host's links matter to stop only to delete the host ends of veth pairs.
    need_host_links = bool(links.veths(name, config, host))
    return facts.gather(paths, name, executor.query, host_links=need_host_links, start=False)


def _lock_dests(world: World, service: str, locks: contextlib.ExitStack | None) -> tuple[str, ...]:
    """SERVICE's destination namespaces, in its xfrm file's order; with LOCKS, each locked (in name
    order, after SERVICE: never the reverse)."""
    wanted = tuple(dict.fromkeys(item.dest_netns for item in world.xfrms.get(service, ())))
    if locks is not None:
        for dest in sorted(wanted):
            locks.enter_context(lock.locked(world.paths, dest))
    return wanted


def _dests(
    world: World,
    service: str,
    host: interfaces.Interfaces | None,
    executor: Executor,
    gathered: dict[str, facts.Facts] | None,
    locks: contextlib.ExitStack | None,
) -> tuple[xfrm_planner.Dest, ...]:
    """SERVICE's destination namespaces, when its network directory has an xfrm file: for start
    with the facts GATHERED (locked) already, for stop (None) locked with LOCKS and read here."""
    paths = world.paths
    if service in world.xfrm_errors:
        raise world.xfrm_errors[service][0]
    if service not in world.xfrms:
        return ()
    from . import uplink, xfrm_planner  # only IPsec gateways pay for these at start-up

    mine = world.xfrms[service]
    for other, errors in world.xfrm_errors.items():
        if other != service:
            warn(f"ignoring {paths.netns_xfrm(other)} (its own start reports it)", errors[0])
    others = {other: items for other, items in world.xfrms.items() if other != service}
    starting = gathered is not None
    if not starting:
        _lock_dests(world, service, locks)
    running = facts.list_namespaces(paths)
    names = tuple(dict.fromkeys(item.dest_netns for item in mine))
    # Whether a running destination has processes (stop leaves it then): one walk of /proc for all.
    pids = {} if starting else facts.netns_pids(paths, [dest for dest in names if dest in running])
    dests = []
    for dest in names:
        items = tuple(item for item in mine if item.dest_netns == dest)
        if world.config_errors.get(dest):
            raise world.config_errors[dest][0]
        config = world.configs.get(dest) or interfaces.Interfaces(paths.netns_interfaces(dest), ())
        users = frozenset(o for o, its in others.items() if o in running and any(i.dest_netns == dest for i in its))
        live = gathered[dest] if gathered is not None else _stop_facts(paths, dest, config, host, executor)
        busy = bool(pids.get(dest))
        block = uplink.block_p2p_uplink(items, config)
        dests.append(xfrm_planner.Dest(dest, config, live, items, block, users, world.insides.get(dest), busy))
    return tuple(dests)


def _stop_world(paths: facts.Paths, name: str) -> World:
    """What stop NAME reads: its own files and, for an IPsec gateway, every file (its destinations)."""
    world = load(paths, Scope(only=frozenset({name})))
    return load(paths) if world.xfrms.get(name) or world.xfrm_errors.get(name) else world


def plan(command: str, name: str, paths: facts.Paths, executor: Executor, locks: contextlib.ExitStack | None) -> Plan:
    """The plan; with LOCKS, destination namespaces are locked too (after NAME: never the reverse)."""
    check_netns_name(name)
    if command == "start":
        from . import rules

        world = rules.start_world(paths, name)
        live, dest_facts = start_check(world, name, executor.query, locks)
        config, host, inside = world.configs[name], world.host, world.insides.get(name)
        wireguard = world.wireguard.get(name, ())
        dests = _dests(world, name, host, executor, dest_facts, locks)
        if not dests:
            return planner.plan_start(name, config, live, paths, host, wireguard=wireguard, inside=inside)
        from . import xfrm_planner

        return xfrm_planner.plan_start_service(
            name, config, live, paths, host, dests, wireguard=wireguard, inside=inside
        )
    world = _stop_world(paths, name)
    stop_config = _stop_config(world, name)
    host = host_or_warn(world)
    try:
        stop_dests = _dests(world, name, host, executor, None, locks)
    except ConfigError as e:
        warn("leaving XFRM interfaces and destinations alone; the configuration has an error", e)
        stop_dests = ()
    live = _stop_facts(paths, name, stop_config, host, executor)
    if not stop_dests:
        return planner.plan_stop(name, stop_config, live, paths, host)
    from . import xfrm_planner

    return xfrm_planner.plan_stop_service(name, stop_config, live, paths, host, stop_dests)


def run(ctx: Context, opts: args.Args) -> int:
    """The handler of `start NAME` and `stop NAME`."""
    check_netns_name(opts.name)
    if ctx.executor.processes.in_netns(os.getpid(), opts.name):
        # It would end its own process (stop) or stop the namespace it stands in (a leftover's start).
        sys.stderr.write(
            f"{PROG}: refusing to {opts.command} {opts.name} from inside namespace {opts.name}"
            f" (ip netns exec?): it would end itself halfway; run it in the host's namespace\n"
        )
        return EXIT_CONFIG
    if ctx.print_commands:
        return run_plan(ctx, plan(opts.command, opts.name, ctx.paths, ctx.executor, None))
    try:
        with contextlib.ExitStack() as locks:
            locks.enter_context(lock.locked(ctx.paths, opts.name))
            the_plan = plan(opts.command, opts.name, ctx.paths, ctx.executor, locks)
            before = {n: i for n in kept.deleted_by(the_plan) if (i := facts.identity(ctx.paths, n)) is not None}
            code = run_plan(ctx, the_plan)
            _note_deleted(ctx, before)
            return code
    except lock.Busy as e:
        sys.stderr.write(f"{PROG}: {e}\n")
        return EXIT_FAILED


def _note_deleted(ctx: Context, before: dict[str, facts.Identity]) -> None:
    """Note what the plan deleted, for `status` to find if something keeps it alive (kept.py).

    Bookkeeping of the tool's own, not a step of the plan: `--print-commands` does not show it.
    """
    for action in kept.notes_for(ctx.paths, before):
        try:
            ctx.executor.do(action)
        except CommandFailed as e:
            sys.stderr.write(f"{PROG}: warning: cannot note the deleted namespaces for status: {e}\n")
            return


def reload(ctx: Context, opts: args.Args) -> int:
    """`reload NAME`: its changed ruleset and sysctls, checked as start checks them, applied in place."""
    netns = check_netns_name(opts.name)
    if netns not in facts.list_namespaces(ctx.paths):
        sys.stderr.write(f"{PROG}: namespace {netns} is not running: nothing to reload\n")
        return EXIT_FAILED
    from . import rules

    world = load(ctx.paths)
    if all(item.dest_netns != netns for items in world.xfrms.values() for item in items):
        require_config(ctx.paths, netns)  # a namespace of ours: configured, or an XFRM destination
    _judge(rules.inside_problems(world, [netns]), "reload")  # before any process
    _judge(rules.ruleset_problems(world, [netns], ctx.executor.query), "reload")
    from .inside import plan_reload

    plan = plan_reload(netns, world.insides.get(netns))
    if ctx.print_commands:
        return run_plan(ctx, plan)
    try:
        with lock.locked(ctx.paths, netns):
            return run_plan(ctx, plan)
    except lock.Busy as e:
        sys.stderr.write(f"{PROG}: {e}\n")
        return EXIT_FAILED
