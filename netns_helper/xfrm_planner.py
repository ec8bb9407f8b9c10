# SPDX-License-Identifier: GPL-3.0-or-later
"""XFRM interfaces of an IPsec service, moved into destination namespaces. Pure: runs nothing.

A service's `xfrm` file names, for each XFRM interface, a destination namespace. Start
builds each destination once (from its own interfaces file, like any namespace), creates
the interface in the service's namespace (where the kernel reserves its if_id), moves it
into the destination, brings it up and routes its prefixes there in one `ip -batch` per
address family. Stop removes them, and the destination once no other running service uses it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import iproute
from .commands import OnError, Plan, Run, Step, joined
from .errors import ERROR, Loc, Problem, raise_first_error
from .facts import Facts, Paths
from .interfaces import Interfaces
from .ipjson import Link
from .iproute import forwarding_on, routes_batch, routes_delete_batch, xfrm_add, xfrm_move
from .links import Veth, veths
from .planner import claimed, finished, plan_start, plan_stop, start_layout
from .values import replace, value
from .xfrm import Xfrm

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .inside import Inside
    from .wireguard import WireGuard


@value
class Dest:
    """One destination namespace as one service sees it."""

    netns: str
    config: Interfaces  # /etc/netns/DEST/network/interfaces (empty when there is none)
    facts: Facts  # of DEST; its host_links are left to the planner
    items: tuple[Xfrm, ...]  # this service's interfaces into DEST
    uplink: str | None  # the interface BlockP2P rules match (None without BlockP2P)
    users: frozenset[str] = frozenset()  # other running namespaces whose xfrm file names DEST
    inside: Inside | None = None  # DEST's own ruleset and sysctls
    busy: bool = False  # processes run in DEST (a joined service, or one of its own)

    @property
    def running(self) -> bool:
        return self.netns in self.facts.namespaces


def plan_start_service(
    service: str,
    config: Interfaces,
    facts: Facts,
    paths: Paths,
    host_config: Interfaces | None,
    dests: Sequence[Dest] = (),
    wireguard: tuple[WireGuard, ...] = (),
    inside: Inside | None = None,
) -> Plan:
    """`start SERVICE`: its namespace, then each destination and the XFRM interfaces into it.

    INSIDE is SERVICE's own ruleset and sysctls; each destination's are its own (Dest.inside).
    """
    brought_up = tuple(d.netns for d in dests if not d.running)
    plan = plan_start(service, config, facts, paths, host_config, wireguard=wireguard, inside=inside, dests=brought_up)
    if finished(service, facts):
        return plan  # nothing to do, destinations included
    # The record says complete only once the destinations and XFRM interfaces are done too.
    *sections, last = plan.sections
    *own, completed = last.steps
    plan = joined(plan.title, *sections, Plan(last.title, tuple(own), last.notes))
    left = dest_host_links(config, facts.host_links)
    for dest in dests:
        ns_links = dest.facts.ns_links if dest.running else None
        # The rule set (rules.py) has refused them already, with these same decisions.
        raise_first_error(dest_problems(dest.netns, dest.config, dest.items, left, host_config, ns_links))
        if not dest.running:
            dest_facts = replace(dest.facts, host_links=left)
            plan += plan_start(
                dest.netns, dest.config, dest_facts, paths, host_config, inside=dest.inside, for_service=service
            )
        plan += _xfrm_up(service, dest)
    return plan + Plan(f"{plan.title}: complete", (completed,))


def dest_host_links(config: Interfaces, host_links: Mapping[str, Link]) -> dict[str, Link]:
    """The host's links a destination may take: not the ones its service (CONFIG) has just taken."""
    taken = claimed(config)
    return {k: v for k, v in host_links.items() if k not in taken}


def dest_problems(
    netns: str,
    config: Interfaces,
    items: Sequence[Xfrm],
    host_links: Mapping[str, Link],
    host_config: Interfaces | None,
    ns_links: Mapping[str, Link] | None,
) -> list[Problem]:
    """What the live host says against a service's start building destination NETNS: when it is not
    running, its layout on HOST_LINKS (`dest_host_links`) and a clash of ITEMS' names with the links
    its own start gives it; else a clash of ITEMS' names with its links NS_LINKS (a running
    destination is not rebuilt). `check SERVICE` and its start decide the same.
    """
    if ns_links is not None:
        msg = "namespace {} already has an interface named {}"
        return [Problem.at(ERROR, msg.format(netns, i.name), i.loc) for i in items if i.name in ns_links]
    pairs = veths(netns, config, host_config)
    problems = list(start_layout(config, host_links, None, pairs).problems)
    own = _own_links(config, pairs)
    msg = "namespace {} would get two interfaces named {}: this XFRM interface and its own, from {}"
    hint = "rename the XFRM interface (its section) or the destination's link"
    return problems + [
        Problem.at(ERROR, msg.format(netns, i.name, own[i.name]), i.loc, hint=hint) for i in items if i.name in own
    ]


def _own_links(config: Interfaces, pairs: Sequence[Veth]) -> dict[str, Loc]:
    """The links a destination has after its start, before its XFRM interfaces are moved in, with
    where its configuration puts them there: those its `pre-up` and `up` lines create, each one
    CONFIG brings up (moved in, or made by ifupdown), a bond's or bridge's members, and the inside
    ends of its veth PAIRS."""
    from .uplink import created_links

    own = created_links(config)
    for name, loc in claimed(config).items():
        if name != "lo" and ":" not in name:
            own.setdefault(name, loc)
    for pair in pairs:
        own.setdefault(pair.ns_end, pair.loc)
    return own


def _xfrm_up(service: str, dest: Dest) -> Plan:
    steps: list[Step] = []
    for item in dest.items:
        steps.append(
            Step(
                xfrm_add(service, item.name, item.if_id, item.underlay, item.mtu),
                undo=(iproute.link_delete(service, item.name),),
            )
        )
        steps.append(Step(xfrm_move(service, item.name, dest.netns), undo=(xfrm_move(dest.netns, item.name, service),)))
        steps.append(Step(iproute.link_up(dest.netns, item.name)))
    explicit: frozenset[int] = frozenset()
    if dest.inside:
        from .inside import explicit_forwarding

        explicit = explicit_forwarding(dest.inside)
    forwarding = forwarding_on(dest.netns, dest.items, explicit)
    if forwarding is not None:
        steps.append(Step(forwarding))
    # Only rules outlive their interface; a batch that failed added none (rules come last).
    undo = {_family(b): b for b in routes_delete_batch(dest.netns, dest.items, dest.uplink)}
    for batch in routes_batch(dest.netns, dest.items, dest.uplink):
        family = _family(batch)
        steps.append(Step(batch, undo=(undo[family],) if family in undo else ()))
    return Plan(f"xfrm interfaces of {service} in {dest.netns}", tuple(steps))


def _family(batch: Run) -> str:
    """ "-4" or "-6": the family flag of one of xfrm's `ip -batch` commands."""
    return next(str(a) for a in batch.argv if a in ("-4", "-6"))


def plan_stop_service(
    service: str,
    config: Interfaces | None,
    facts: Facts,
    paths: Paths,
    host_config: Interfaces | None,
    dests: Sequence[Dest] = (),
) -> Plan:
    """`stop SERVICE`: its XFRM interfaces and rules, its namespace, then the destinations that
    a service's start brought up and nothing else uses now."""
    steps: list[Step] = []
    goes = {dest.netns: _goes(dest) for dest in dests}
    for dest in dests:
        if not dest.running:
            continue
        for item in dest.items:
            if item.name in dest.facts.ns_links:
                steps.append(Step(iproute.link_delete(dest.netns, item.name), OnError.REPORT))
        if not goes[dest.netns]:
            # The destination stays: take out this service's rules.
            steps.extend(
                Step(batch, OnError.IGNORE) for batch in routes_delete_batch(dest.netns, dest.items, dest.uplink)
            )
    own = plan_stop(service, config, facts, paths, host_config)
    plan = joined(own.title, Plan(f"xfrm interfaces of {service}", tuple(steps)), own)
    for dest in dests:
        if goes[dest.netns]:
            plan += plan_stop(dest.netns, dest.config, dest.facts, paths, host_config)
        elif dest.running:
            plan += Plan(f"destination {dest.netns}", (), (_kept(dest),))
    return plan


def _goes(dest: Dest) -> bool:
    """Whether stopping a service stops DEST: a service's start brought it up (its record says
    so; without a record, as before), and nothing else uses it now."""
    own = dest.facts.record
    for_a_service = own is None or own.for_service is not None
    return dest.running and for_a_service and not dest.users and not dest.busy


def _kept(dest: Dest) -> str:
    if dest.users:
        why = f"{', '.join(sorted(dest.users))} use it too"
    elif dest.busy:
        why = "processes run in it"
    else:
        why = "it runs on its own (its start was not a service's)"
    return f"destination namespace {dest.netns} stays: {why}"
