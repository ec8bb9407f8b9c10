# SPDX-License-Identifier: GPL-3.0-or-later
"""`status --dot`: what runs, as a Graphviz graph; `--svg=FILE` renders it with `dot`.

The graph is a value (clusters of nodes, and edges) built from `status`'s reading of the
system, one aspect at a time: the host, each namespace with its services and pids, its
links (NICs moved in, VLANs of host NICs), veth pairs to the host and bridge ports of host
bridges, XFRM interfaces to their destinations, WireGuard interfaces to their birth
namespaces. Another aspect (published ports) is one more function in ASPECTS. Problems are red.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .commands import Plan, Run, Step
from .errors import EXIT_FAILED
from .names import split_vlan
from .status import FALLBACK_DEVICES, Namespace, exit_code, gather

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .runtime import Context

HOST = "host"
RED = "red"


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    shape: str = "box"
    problem: bool = False


@dataclass(frozen=True)
class Edge:
    tail: str
    head: str
    label: str = ""
    style: str = "solid"
    problem: bool = False
    directed: bool = True


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    problem: bool = False


@dataclass
class Graph:
    """Built by the aspects (they add nodes and edges); printed once, as DOT."""

    clusters: dict[str, Cluster] = field(default_factory=dict)
    nodes: dict[str, list[Node]] = field(default_factory=dict)  # by cluster id
    edges: list[Edge] = field(default_factory=list)

    def cluster(self, cluster: Cluster) -> None:
        self.clusters.setdefault(cluster.id, cluster)
        self.nodes.setdefault(cluster.id, [])

    def node(self, cluster: str, node: Node) -> str:
        """Add NODE to CLUSTER unless a node of that id is there already; its id."""
        if all(n.id != node.id for nodes in self.nodes.values() for n in nodes):
            self.nodes[cluster].append(node)
        return node.id

    def edge(self, edge: Edge) -> None:
        self.edges.append(edge)

    def dot(self) -> str:
        out = [
            "digraph netns {",
            "  rankdir=LR;",
            '  node [fontname="sans-serif", fontsize=10];',
            '  edge [fontname="sans-serif", fontsize=9];',
        ]
        for cid, cluster in self.clusters.items():
            out.append(f"  subgraph {_id('cluster_' + cid)} {{")
            out.append(f"    label={_str(cluster.label)};")
            if cluster.problem:
                out.append(f"    color={RED}; fontcolor={RED};")
            for node in self.nodes[cid]:
                attrs = [f"label={_str(node.label)}", f"shape={node.shape}"]
                if node.problem:
                    attrs.append(f"color={RED}, fontcolor={RED}")
                out.append(f"    {_id(node.id)} [{', '.join(attrs)}];")
            out.append("  }")
        for edge in self.edges:
            attrs = [f"label={_str(edge.label)}"] if edge.label else []
            if edge.style != "solid":
                attrs.append(f"style={edge.style}")
            if edge.problem:
                attrs.append(f"color={RED}, fontcolor={RED}")
            if not edge.directed:
                attrs.append("dir=none")
            suffix = f" [{', '.join(attrs)}]" if attrs else ""
            out.append(f"  {_id(edge.tail)} -> {_id(edge.head)}{suffix};")
        out.append("}")
        return "\n".join(out) + "\n"


def _str(text: str) -> str:
    """A DOT string: quotes and backslashes escaped, lines centred."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def _id(name: str) -> str:
    return _str(name)


def ns_id(netns: str) -> str:
    return f"netns:{netns}"


def link_id(netns: str, dev: str) -> str:
    return f"link:{netns}:{dev}"


def host_link_id(dev: str) -> str:
    return f"link:{HOST}:{dev}"


def _host(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    graph.cluster(Cluster(HOST, "host"))
    graph.node(HOST, Node(HOST, "host namespace", shape="house"))


def _namespaces(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    for ns in namespaces:
        graph.cluster(Cluster(ns.name, f"namespace {ns.name}", problem=not ns.ok))
        state = "running" if ns.running else "stopped"
        unit = f"{ns.unit.name}: {ns.unit.active}"
        graph.node(ns.name, Node(ns_id(ns.name), f"{ns.name}\n{state}\n{unit}", shape="folder", problem=not ns.ok))
        for service in ns.services:
            pid = f"\npid {service.unit.main_pid}" if service.unit.main_pid else ""
            sid = f"service:{ns.name}:{service.unit.name}"
            outside = any(service.unit.name in p and "runs outside" in p for p in ns.problems)
            graph.node(ns.name, Node(sid, f"{service.unit.name}\n{service.unit.active}{pid}", "component", outside))
            graph.edge(Edge(sid, ns_id(ns.name), style="dotted", directed=False, problem=outside))
        if ns.pids:
            graph.node(ns.name, Node(f"pids:{ns.name}", "pids " + " ".join(map(str, ns.pids)), shape="plaintext"))
        if ns.problems:
            text = "\n".join(ns.problems)
            graph.node(ns.name, Node(f"problems:{ns.name}", text, shape="note", problem=True))


def _links(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    """Each link inside, and where it came from: a NIC (or a veth) moved in from the host, a VLAN of a host NIC."""
    peers = {(ns.name, peer.ns_end) for ns in namespaces for peer in ns.peers}
    for ns in namespaces:
        names = {link.name for link in ns.links}
        for link in ns.links:
            if link.name == "lo" or link.name in FALLBACK_DEVICES:
                continue
            label = "\n".join((link.name, f"{link.kind or 'NIC'} {link.operstate}", *link.addresses))
            drift = any(f" {link.name} " in p for p in ns.problems)
            lid = graph.node(ns.name, Node(link_id(ns.name, link.name), label, shape="box", problem=drift))
            if (ns.name, link.name) in peers:
                continue  # drawn with its pair
            if link.kind is None or (link.kind == "veth" and link.parent is None):
                graph.edge(Edge(HOST, lid, "moved in"))  # a NIC, or a veth whose peer is elsewhere
            elif link.kind == "vlan" and link.parent not in names:
                # ip names the lower device only when it is in the same namespace.
                parent = link.parent or (split_vlan(link.name) or ("?", 0))[0]
                graph.node(HOST, Node(host_link_id(parent), parent))
                graph.edge(Edge(host_link_id(parent), lid, "vlan"))


def _peers(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    """veth pairs (`link-netns`, bridge ports) and the host bridges they join."""
    for ns in namespaces:
        for peer in ns.peers:
            inside = link_id(ns.name, peer.ns_end)
            if not any(link.name == peer.ns_end for link in ns.links):
                graph.node(ns.name, Node(inside, f"{peer.ns_end}\nmissing", problem=ns.running))
            host_end = graph.node(HOST, Node(host_link_id(peer.host_end), f"{peer.host_end}\nveth"))
            graph.edge(Edge(host_end, inside, "veth", directed=False))
            if peer.bridge:
                bridge = graph.node(HOST, Node(host_link_id(peer.bridge), f"{peer.bridge}\nbridge", shape="box3d"))
                graph.edge(Edge(bridge, host_end, "port", directed=False))


def _xfrm(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    """A service's XFRM interfaces, each in its destination namespace."""
    for ns in namespaces:
        for x in ns.xfrm:
            graph.cluster(Cluster(x.dest, f"namespace {x.dest}"))
            missing = "\nmissing" if x.present is False else ""
            label = f"{x.name}{missing}\nxfrm if_id {x.if_id}\n" + "\n".join(x.prefixes)
            xid = graph.node(x.dest, Node(link_id(x.dest, x.name), label, problem=x.present is False))
            graph.edge(Edge(ns_id(ns.name), xid, f"XFRM if_id {x.if_id}", style="dashed", problem=x.present is False))


def _wireguard(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    """Each WireGuard interface of a configuration, tied to its birth namespace, where its UDP socket lives."""
    for ns in namespaces:
        states = {state.name: state for state in ns.wireguard}
        for birth in ns.births:
            present = any(link.name == birth.interface for link in ns.links)
            missing = ns.running and not present
            state = states.get(birth.interface)
            lines = [birth.interface, *(["missing"] if missing else []), "wireguard"]
            if state:
                lines.append(f"{len(state.peers)} peer{'s' if len(state.peers) != 1 else ''}")
            label = "\n".join(lines)
            wid = graph.node(ns.name, Node(link_id(ns.name, birth.interface), label, problem=missing))
            if birth.netns is None:
                socket = HOST
            else:
                graph.cluster(Cluster(birth.netns, f"namespace {birth.netns}"))
                socket = graph.node(birth.netns, Node(ns_id(birth.netns), birth.netns, shape="folder"))
            graph.edge(Edge(socket, wid, "WireGuard socket", style="dashed", problem=missing))


def _published(graph: Graph, namespaces: tuple[Namespace, ...]) -> None:
    """Ports `publish` made reachable: a socket listening on the host, handed to a proxy inside."""
    for ns in namespaces:
        for p in ns.published:
            socket = graph.node(HOST, Node(f"published:{p.unit}", f"{p.listen}\n{p.unit}", shape="cds"))
            graph.edge(Edge(socket, ns_id(ns.name), f"published to {p.target}", style="dashed"))


ASPECTS: tuple[Callable[[Graph, tuple[Namespace, ...]], None], ...] = (
    _host,
    _namespaces,
    _xfrm,
    _links,
    _peers,
    _wireguard,
    _published,
)


def graph(namespaces: Iterable[Namespace]) -> Graph:
    found = tuple(namespaces)
    g = Graph()
    for aspect in ASPECTS:
        aspect(g, found)
    return g


def render(ctx: Context, text: str, svg: str) -> int:
    """Write SVG, rendered by Graphviz's dot, to the file SVG."""
    from .runtime import PROG, run_plan

    if not ctx.print_commands and shutil.which("dot") is None:
        sys.stderr.write(f"{PROG}: --svg needs Graphviz's dot, which is not installed: apt install graphviz\n")
        return EXIT_FAILED
    plan = Plan(f"render {svg}", (Step(Run(("dot", "-Tsvg", "-o", svg), stdin=text)),))
    return run_plan(ctx, plan)


def run(ctx: Context, opts: Args) -> int:
    """`status --dot` and `status --svg=FILE`: the picture instead of the text."""
    namespaces = gather(ctx.paths, ctx.executor.query, opts.operands[0] if opts.operands else None)
    code = exit_code(namespaces)
    text = graph(namespaces).dot()
    if "--dot" in opts.flags:
        sys.stdout.write(text)
    svg = opts.value("--svg", "")
    return (render(ctx, text, svg) or code) if svg else code
