# SPDX-License-Identifier: GPL-3.0-or-later
"""`check`: report every problem of the rule set at once (text or JSON), changing nothing."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from . import rules
from .errors import ERROR, EXIT_CONFIG, EXIT_FAILED, EXIT_OK, Problem
from .facts import Paths
from .names import check_netns_name
from .world import load

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .runtime import Context


def check(
    paths: Paths, names: Sequence[str] | None, live: rules.Live | None, query: rules.Query | None = None
) -> list[Problem]:
    """Problems of the namespaces NAMES (all when None), of the host's links, and between them.

    Without LIVE, only what the files say: no process is needed for that. With QUERY, nftables
    checks each ruleset too, as start does.
    """
    selected = set(names) if names is not None else None
    for name in names or ():
        check_netns_name(name)
    world = load(paths)
    found = rules.problems(world, selected, live)
    if query is None:
        return found
    return rules.ordered(found + rules.ruleset_problems(world, rules.inside_scope(world, selected), query))


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
    live = rules.gather_live(ctx.paths, ctx.executor.query)
    names = opts.operands or None
    return report(check(ctx.paths, names, live, ctx.executor.query), "--json" in opts.flags)
