# SPDX-License-Identifier: GPL-3.0-or-later
"""What a namespace asks of its own kernel: its nftables ruleset and its sysctls.

`world.load` reads them (`load`) for a namespace that has `/etc/netns/NAME/nftables.conf` or
sysctl files, and only then is this module imported; the rules (rules.py) report their errors,
start plans the steps below, reload applies them again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import nftables, sysctls
from .commands import Plan, Step
from .errors import ConfigError, Loc
from .facts import Paths

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .xfrm import Xfrm

# What XFRM destinations enable (iproute.forwarding_on), by the sysctl that says so.
FORWARDING = {4: ("net", "ipv4", "ip_forward"), 6: ("net", "ipv6", "conf", "all", "forwarding")}


@dataclass(frozen=True)
class Inside:
    """A namespace's ruleset file (None: none) and sysctls, checked, as start and reload apply them."""

    ruleset: str | None = None
    sysctls: tuple[sysctls.Setting, ...] = ()
    checkable: bool = True  # the ruleset reaches no file outside the namespace's own: nft may read it

    def __bool__(self) -> bool:
        return self.ruleset is not None or bool(self.sysctls)


def load(paths: Paths, netns: str) -> tuple[Inside, list[ConfigError]]:
    """NETNS's ruleset and sysctls, and every error in them that needs no process to find.

    nft's own check of the ruleset is a process: rules.ruleset_problems runs it.
    """
    ruleset = nftables.ruleset(paths, netns)
    errors = nftables.scan(paths, netns, ruleset) if ruleset is not None else []
    settings, sysctl_errors = sysctls.collect(paths, netns)
    return Inside(ruleset, settings, checkable=not errors), errors + sysctl_errors


def firewall_steps(netns: str, inside: Inside | None) -> list[Step]:
    """Load the ruleset: the first thing in a new namespace, before any interface."""
    if inside is None or inside.ruleset is None:
        return []
    return [Step(nftables.load(netns, inside.ruleset))]


def sysctl_steps(netns: str, inside: Inside | None) -> list[Step]:
    """Set the sysctls: once the namespace's devices are in, before ifup brings any up."""
    if inside is None or not inside.sysctls:
        return []
    return [sysctls.apply(netns, setting) for setting in inside.sysctls]


def explicit_forwarding(inside: Inside | None) -> frozenset[int]:
    """The IP versions whose forwarding the namespace's sysctl files set themselves: those win."""
    parts = {s.parts for s in inside.sysctls} if inside else set()
    return frozenset(version for version, key in FORWARDING.items() if key in parts)


def forwarding_conflicts(insides: Mapping[str, Inside], items: list[Xfrm]) -> list[tuple[str, Loc]]:
    """Warnings: an XFRM destination whose sysctl files turn off the forwarding the routes of ITEMS need."""
    warnings: list[tuple[str, Loc]] = []
    dests: dict[str, set[int]] = {}
    for item in items:
        dests.setdefault(item.dest_netns, set()).update(item.versions)
    for dest, versions in sorted(dests.items()):
        settings = insides[dest].sysctls if dest in insides else ()
        for setting in settings:
            for version in sorted(versions):
                if setting.parts == FORWARDING[version] and setting.value.strip() == "0":
                    warnings.append(
                        (
                            f"{setting.name} = 0 wins over the forwarding that the XFRM destination {dest} "
                            f"needs: its IPv{version} routes will not forward",
                            setting.loc,
                        )
                    )
    return warnings


def plan_reload(netns: str, inside: Inside | None) -> Plan:
    """Apply the ruleset (or, without a file, an empty one) and the sysctls again, in place."""
    steps = firewall_steps(netns, inside) + sysctl_steps(netns, inside)
    notes: tuple[str, ...] = ()
    if inside is None or inside.ruleset is None:
        steps.insert(0, Step(nftables.flush(netns)))
        notes = (f"namespace {netns} has no nftables.conf: its ruleset is emptied, as a start would leave it",)
    return Plan(f"reload {netns}", tuple(steps), notes)
