"""Command line: parse arguments, plan, then execute or print the plan."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from . import __version__, args, facts, interfaces, links, planner
from .commands import Plan, script
from .errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, ConfigError
from .executor import CommandFailed, Executor
from .names import check_netns_name

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
)  # fmt: skip


def _paths() -> facts.Paths:
    # Only for tests of the command line: `ip netns exec` always binds from /etc/netns.
    root = os.environ.get("NETNS_HELPER_ROOT", "")
    return facts.Paths(etc=f"{root}/etc", run=f"{root}/run")


def _load(paths: facts.Paths, name: str) -> interfaces.Interfaces:
    path = paths.netns_interfaces(name)
    if not os.path.exists(path):
        raise ConfigError(
            f"{path}: no such file", hint=f"namespace {name} is configured in {path} (interfaces(5) format)"
        )
    return interfaces.parse_file(path)


def _host_config(paths: facts.Paths, strict: bool) -> interfaces.Interfaces | None:
    """The host's /etc/network/interfaces, for its link-netns stanzas."""
    path = f"{paths.host_network}/interfaces"
    if not os.path.exists(path):
        return None
    try:
        return interfaces.parse_file(path)
    except ConfigError as e:
        if strict:
            raise
        sys.stderr.write(f"{PROG}: warning: ignoring the host's links; its configuration has an error:\n{e}\n")
        return None


def _plan(command: str, name: str, paths: facts.Paths, executor: Executor) -> Plan:
    check_netns_name(name)
    if command == "start":
        config = _load(paths, name)
        host = _host_config(paths, strict=True)
        return planner.plan_start(name, config, facts.gather(paths, name, executor.query), paths, host)
    try:
        stop_config: interfaces.Interfaces | None = _load(paths, name)
    except ConfigError as e:
        # Stopping must work even when the configuration was broken or removed meanwhile.
        sys.stderr.write(f"{PROG}: warning: stopping what is running; the configuration has an error:\n{e}\n")
        stop_config = None
    host = _host_config(paths, strict=False)
    need_host_links = bool(links.veths(name, stop_config, host))
    live = facts.gather(paths, name, executor.query, host_links=need_host_links)
    return planner.plan_stop(name, stop_config, live, paths, host)


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
    try:
        plan = _plan(opts.command, opts.name, paths, executor)
    except ConfigError as e:
        sys.stderr.write(f"{e}\n")
        return EXIT_CONFIG
    except CommandFailed as e:
        sys.stderr.write(f"{PROG}: cannot read the system's state: {e}\n")
        return EXIT_FAILED
    if "--print-commands" in opts.flags:
        sys.stdout.write(script([plan]))
        return EXIT_OK
    for note in plan.notes:
        sys.stderr.write(f"{PROG}: note: {note}\n")
    outcome = executor.execute(plan)
    if outcome.ok:
        return EXIT_OK
    sys.stderr.write(f"{PROG}: {plan.title} failed:\n")
    for failure in outcome.failures:
        sys.stderr.write(f"  {failure}\n")
    if outcome.undone:
        sys.stderr.write("  undone:\n" + "".join(f"    {line}\n" for line in outcome.undone))
    return EXIT_FAILED
