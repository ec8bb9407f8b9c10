"""Command line: parse arguments, plan, then execute or print the plan."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from . import __version__, facts, interfaces, planner
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Build and tear down network namespaces for systemd services from ifupdown configuration "
        "in /etc/netns/NAME/network/interfaces.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--print-commands",
        action="store_true",
        help="change nothing: print the plan as a POSIX sh script that does what the command would do",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command as `+ CMD` on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    start = sub.add_parser(
        "start",
        help="build namespace NAME",
        epilog="example: netns-helper start nginx",
        description="Create namespace NAME, move its NICs in, create its VLANs, run ifup -a inside.",
    )
    start.add_argument("name", metavar="NAME")
    stop = sub.add_parser(
        "stop",
        help="tear down namespace NAME",
        epilog="example: netns-helper stop nginx",
        description="Run ifdown -a inside NAME, end its processes, return its NICs, delete it.",
    )
    stop.add_argument("name", metavar="NAME")
    return parser


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


def _plan(command: str, name: str, paths: facts.Paths, executor: Executor) -> Plan:
    check_netns_name(name)
    if command == "start":
        config = _load(paths, name)
        return planner.plan_start(name, config, facts.gather(paths, name, executor.query), paths)
    try:
        stop_config: interfaces.Interfaces | None = _load(paths, name)
    except ConfigError as e:
        # Stopping must work even when the configuration was broken or removed meanwhile.
        sys.stderr.write(f"{PROG}: warning: {e}; stopping with what is running\n")
        stop_config = None
    return planner.plan_stop(name, stop_config, facts.gather(paths, name, executor.query), paths)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = _paths()
    executor = Executor(verbose=args.verbose, run_netns=paths.run_netns)
    try:
        plan = _plan(args.command, args.name, paths, executor)
    except ConfigError as e:
        sys.stderr.write(f"{e}\n")
        return EXIT_CONFIG
    except CommandFailed as e:
        sys.stderr.write(f"{PROG}: cannot read the system's state: {e}\n")
        return EXIT_FAILED
    if args.print_commands:
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
