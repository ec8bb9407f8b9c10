"""Command line: argv -> a command's handler -> exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from . import __version__, args, facts, lifecycle
from .errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, ConfigError
from .executor import CommandFailed, Executor
from .runtime import PROG, Context

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
    return facts.Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")


# Handlers of other commands live in their own modules, imported only when used: start-up
# time at boot is paid by start and stop.
HANDLERS: dict[str, Callable[[Context, args.Args], int] | str] = {
    "start": lifecycle.run,
    "stop": lifecycle.run,
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
        # From the first query on, SIGTERM and SIGINT end a start or stop cleanly (see executor.py).
        with executor.interruptible() if opts.command in ("start", "stop") else contextlib.nullcontext():
            return _handler(opts.command)(ctx, opts)
    except ConfigError as e:
        sys.stderr.write(f"{e}\n")
        return EXIT_CONFIG
    except lifecycle.Refused as e:
        sys.stderr.write(f"{e}\n{PROG}: refusing to start: the configuration has errors (see netns-helper check)\n")
        return EXIT_CONFIG
    except CommandFailed as e:
        sys.stderr.write(f"{PROG}: cannot read the system's state: {e}\n")
        return EXIT_FAILED
