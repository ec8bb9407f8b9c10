# SPDX-License-Identifier: GPL-3.0-or-later
"""What every command's handler gets (`Context`), and the one way to run or print a plan."""

from __future__ import annotations

import sys

from .commands import Plan, script
from .errors import EXIT_FAILED, EXIT_OK, ConfigError
from .executor import Executor
from .facts import Paths
from .values import value

PROG = "netns-helper"


@value
class Context:
    """What every command's handler gets."""

    paths: Paths
    executor: Executor
    print_commands: bool


def warn(message: str, error: ConfigError) -> None:
    """A configuration error that the command goes on past."""
    sys.stderr.write(f"{PROG}: warning: {message}:\n{error}\n")


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
    sys.stderr.write(f"{PROG}: {plan.title} {outcome.verdict}:\n")
    for failure in outcome.failures:
        sys.stderr.write(f"  {failure}\n")
    if outcome.undone:
        sys.stderr.write("  undone:\n" + "".join(f"    {line}\n" for line in outcome.undone))
    return EXIT_FAILED
