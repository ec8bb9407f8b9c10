# SPDX-License-Identifier: GPL-3.0-or-later
"""Conflicts between XFRM interfaces bound for one destination namespace, in one xfrm file or
across the files of services that share a destination."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .xfrm import Prefix, Xfrm


def check_dest_conflicts(items: Sequence[Xfrm]) -> None:
    """Refuse interfaces or routes that would clash in one destination namespace (the first clash).

    Works across files too: the planner passes every item bound for a namespace, from
    every service that names it.
    """
    for error in dest_conflicts(items):
        raise error


def dest_conflicts(items: Sequence[Xfrm]) -> list[ConfigError]:
    """Every interface or route of ITEMS that clashes with an earlier one in its destination namespace."""
    errors = []
    names: dict[tuple[str, str], Xfrm] = {}
    routes: dict[tuple[str, int | None, Prefix], Xfrm] = {}
    for item in items:
        other = names.setdefault((item.dest_netns, item.name), item)
        if other is not item:
            errors.append(
                ConfigError(
                    f"namespace {item.dest_netns} would get two interfaces named {item.name} "
                    f"(the other is at {other.loc})",
                    item.loc,
                )
            )
        table = item.table if item.block_p2p else None
        for prefix in item.prefixes:
            other = routes.setdefault((item.dest_netns, table, prefix), item)
            if other is not item:
                where = f"table {table}" if table else "the main table"
                errors.append(
                    ConfigError(
                        f"route {prefix} in {where} of namespace {item.dest_netns} is also routed into "
                        f"[{other.name}] at {other.loc}",
                        item.loc,
                    )
                )
                break  # one clash names the item; its other prefixes add nothing
    return errors
