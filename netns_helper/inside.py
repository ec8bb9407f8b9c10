"""What a namespace asks of its own kernel: its nftables ruleset and its sysctls.

The hooks that check, start and reload call. Each does nothing for a namespace with neither
`/etc/netns/NAME/nftables.conf` nor sysctl files: nft runs only for those who have a ruleset.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import nftables, sysctls
from .commands import Plan, Step
from .errors import EXIT_FAILED, ConfigError, Loc
from .facts import Paths, list_namespaces
from .names import check_netns_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .cli import Context
    from .xfrm import Xfrm

Query = Callable[[tuple[str, ...]], str]
# What XFRM destinations enable (xfrm.forwarding_on), by the sysctl that says so.
FORWARDING = {4: ("net", "ipv4", "ip_forward"), 6: ("net", "ipv6", "conf", "all", "forwarding")}


@dataclass(frozen=True)
class Inside:
    """A namespace's ruleset file (None: none) and sysctls, checked, as start and reload apply them."""

    ruleset: str | None = None
    sysctls: tuple[sysctls.Setting, ...] = ()

    def __bool__(self) -> bool:
        return self.ruleset is not None or bool(self.sysctls)


def _has_sysctls(paths: Paths, netns: str) -> bool:
    return bool(sysctls.files(paths, netns))


def static_problems(paths: Paths, netns: str) -> list[ConfigError]:
    """Errors in the namespace's ruleset and sysctl files that need no process to find."""
    errors: list[ConfigError] = []
    ruleset = nftables.ruleset(paths, netns)
    if ruleset is not None:
        errors += nftables.scan(paths, netns, ruleset)
    if _has_sysctls(paths, netns):
        errors += sysctls.collect(paths, netns)[1]
    return errors


def validate(paths: Paths, netns: str, query: Query) -> list[ConfigError]:
    """nft's own check of the namespace's ruleset (a process: `nft -c` in an empty namespace)."""
    ruleset = nftables.ruleset(paths, netns)
    if ruleset is None:
        return []
    return nftables.validate(ruleset, query)


def validate_all(paths: Paths, names: Sequence[str] | None, query: Query) -> list[ConfigError]:
    """`check`: nft's check of each ruleset (of NAMES, or of every configured namespace) that scans clean."""
    if names is None:
        base = f"{paths.etc}/netns"
        names = sorted(os.listdir(base)) if os.path.isdir(base) else []
    errors: list[ConfigError] = []
    for name in names:
        path = nftables.ruleset(paths, name)
        if path is not None and os.path.isfile(paths.netns_interfaces(name)) and not nftables.scan(paths, name, path):
            errors += nftables.validate(path, query)
    return errors


def require_valid(paths: Paths, netns: str, query: Query) -> None:
    """Start and reload: the first error of the ruleset or sysctls raises, before anything changes."""
    for error in static_problems(paths, netns) or validate(paths, netns, query):
        raise error


def gather(paths: Paths, netns: str) -> Inside:
    """The namespace's ruleset and sysctls, for the planner (raises on a broken sysctl file)."""
    ruleset = nftables.ruleset(paths, netns)
    settings: tuple[sysctls.Setting, ...] = ()
    if _has_sysctls(paths, netns):
        settings = sysctls.load(paths, netns)
    return Inside(ruleset, settings)


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


def xfrm_conflicts(paths: Paths, xfrms: dict[str, tuple[Xfrm, ...]]) -> list[tuple[str, Loc]]:
    """Warnings: an XFRM destination whose sysctl files turn off the forwarding its routes need."""
    warnings: list[tuple[str, Loc]] = []
    dests: dict[str, set[int]] = {}
    for items in xfrms.values():
        for item in items:
            dests.setdefault(item.dest_netns, set()).update(item.versions)
    for dest, versions in sorted(dests.items()):
        if not _has_sysctls(paths, dest):
            continue
        for setting in sysctls.collect(paths, dest)[0]:
            for version in versions:
                if setting.parts == FORWARDING[version] and setting.value.strip() == "0":
                    warnings.append(
                        (
                            f"{setting.name} = 0 wins over the forwarding that the XFRM destination {dest} "
                            f"needs: its IPv{version} routes will not forward",
                            setting.loc,
                        )
                    )
    return warnings


def plan_reload(netns: str, inside: Inside) -> Plan:
    """Apply the ruleset (or, without a file, an empty one) and the sysctls again, in place."""
    steps = firewall_steps(netns, inside) + sysctl_steps(netns, inside)
    notes: tuple[str, ...] = ()
    if inside.ruleset is None:
        steps.insert(0, Step(nftables.flush(netns)))
        notes = (f"namespace {netns} has no nftables.conf: its ruleset is emptied, as a start would leave it",)
    return Plan(f"reload {netns}", tuple(steps), notes)


def run(ctx: Context, opts: Args) -> int:
    """`reload NAME`: the changed ruleset and sysctls, applied without restarting anything."""
    from . import lock
    from .cli import PROG, run_plan

    netns = check_netns_name(opts.name)
    if netns not in list_namespaces(ctx.paths):
        sys.stderr.write(f"{PROG}: namespace {netns} is not running: nothing to reload\n")
        return EXIT_FAILED
    require_valid(ctx.paths, netns, ctx.executor.query)
    plan = plan_reload(netns, gather(ctx.paths, netns))
    if ctx.print_commands:
        return run_plan(ctx, plan)
    try:
        with lock.locked(ctx.paths, netns):
            return run_plan(ctx, plan)
    except lock.Busy as e:
        sys.stderr.write(f"{PROG}: {e}\n")
        return EXIT_FAILED
