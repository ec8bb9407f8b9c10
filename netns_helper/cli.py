# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: argv -> a command's handler -> exit code."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from . import __version__, args, facts, lifecycle
from .errors import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, ConfigError
from .executor import CommandFailed, Executor, Processes
from .runtime import PROG, Context
from .usage import COMMANDS, EPILOG


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
    "status": "netns_helper.status",  # with --dot or --svg=: netns_helper.topology
    "metrics": "netns_helper.metrics",
    "hotplug": "netns_helper.hotplug",
    "reload": lifecycle.reload,
    "publish": "netns_helper.publish",
    "unpublish": "netns_helper.publish",
}


def _handler(opts: args.Args) -> Callable[[Context, args.Args], int]:
    picture = opts.command == "status" and ("--dot" in opts.flags or opts.value("--svg", ""))
    handler = "netns_helper.topology" if picture else HANDLERS[opts.command]
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
    executor = Executor(verbose="--verbose" in opts.flags, processes=Processes(paths))
    ctx = Context(paths, executor, "--print-commands" in opts.flags)
    try:
        # From the first query on, SIGTERM and SIGINT end a start or stop cleanly (see executor.py).
        with executor.interruptible() if opts.command in ("start", "stop") else contextlib.nullcontext():
            return _handler(opts)(ctx, opts)
    except ConfigError as e:
        sys.stderr.write(f"{e}\n")
        return EXIT_CONFIG
    except lifecycle.Refused as e:
        sys.stderr.write(
            f"{e}\n{PROG}: refusing to {e.command}: the configuration has errors (see netns-helper check)\n"
        )
        return EXIT_CONFIG
    except CommandFailed as e:
        sys.stderr.write(f"{PROG}: cannot read the system's state: {e}\n")
        return EXIT_FAILED
