# SPDX-License-Identifier: GPL-3.0-or-later
"""veth pairs between the host and a namespace: `link-netns` stanzas and `BRIDGE..ID` ports."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import ERROR, ConfigError, Loc, Problem
from .interfaces import Interfaces
from .ipjson import Link
from .names import ASCII_ALNUM, IFNAME_MAX, made_of
from .values import value

_PORT_ID_CHARS = ASCII_ALNUM + "_-"


def bridge_port(name: str) -> tuple[str, str] | None:
    """(BRIDGE, ID) of a `BRIDGE..ID` bridge port name; None for any other name."""
    bridge, dots, port_id = name.partition("..")
    if not dots or not bridge or "." in bridge or not made_of(port_id, _PORT_ID_CHARS):
        return None
    return bridge, port_id


@value
class Veth:
    """A veth pair `start` creates: HOST_END stays here, NS_END is created inside the namespace."""

    host_end: str
    ns_end: str
    loc: Loc
    bridge: str | None = None  # the host bridge HOST_END joins (a `BRIDGE..ID` port)
    host_stanza: bool = False  # the host's interfaces file configures HOST_END: ifup it there


def bridge_port_host_end(netns: str, port_id: str) -> str:
    """The documented host-side name of port `BRIDGE..ID` of namespace NETNS: `NETNS-ID`."""
    return f"{netns}-{port_id}"


def veths(netns: str, config: Interfaces | None, host_config: Interfaces | None) -> tuple[Veth, ...]:
    """Every veth pair of NETNS, from the host's link-netns stanzas and the namespace's bridge ports."""
    found: list[Veth] = []
    if host_config is not None:
        for link in host_config.links:
            if link.netns == netns:
                stanza = bool(host_config.iface(link.host_end))
                found.append(Veth(link.host_end, link.ns_end, link.loc, host_stanza=stanza))
    if config is not None:
        for name, loc in config.brought_up().items():
            port = bridge_port(name)
            if port:
                bridge, port_id = port
                host_end = bridge_port_host_end(netns, port_id)
                if len(host_end.encode()) > IFNAME_MAX:
                    raise ConfigError(
                        f"bridge port {name!r}: its host end {host_end!r} would be longer than {IFNAME_MAX} bytes",
                        loc,
                        hint="the host end is NAMESPACE-ID: use a shorter port ID (or namespace name)",
                    )
                found.append(Veth(host_end, name, loc, bridge=bridge))
    seen: dict[str, Veth] = {}
    for veth in found:
        for end in (veth.host_end, veth.ns_end):
            if end in seen:
                raise ConfigError(f"link name {end!r} is used twice (also at {seen[end].loc})", veth.loc)
            seen[end] = veth
    return tuple(found)


def host_problems(veths_: tuple[Veth, ...], host_links: Mapping[str, Link]) -> list[Problem]:
    """What the live host says against creating VETHS_: name clashes, missing bridges."""
    problems = []
    for veth in veths_:
        if veth.host_end in host_links:
            problems.append(
                Problem.at(
                    ERROR,
                    f"cannot create link {veth.host_end!r}: a link of that name already exists on this host",
                    veth.loc,
                )
            )
        if veth.bridge is not None:
            bridge = host_links.get(veth.bridge)
            if bridge is None or bridge.kind != "bridge":
                what = "is not a bridge" if bridge else "does not exist on this host"
                problems.append(Problem.at(ERROR, f"bridge port {veth.ns_end!r}: {veth.bridge!r} {what}", veth.loc))
    return problems
