"""`metrics`: Prometheus metrics of the namespaces, for node-exporter's textfile collector.

node-exporter reads every `*.prom` file of its textfile directory at each scrape; the file is
written under another name in that directory and renamed over `netns_helper.prom`, so a scrape
never sees half a file. Metrics (labels `netns`, and `link` for links):

    netns_helper_namespace_running        gauge    1 when a configured namespace exists, else 0
    netns_helper_processes                gauge    processes in the namespace (as `ip netns pids`)
    netns_helper_xfrm_interfaces          gauge    XFRM interfaces in the namespace
    netns_helper_link_up                  gauge    1 when the link is up (operstate UP, or UNKNOWN
                                                   with a carrier, as lo), else 0
    netns_helper_link_{rx,tx}_{bytes,packets,errors,dropped}_total    counter    from `ip -s link`
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import ipjson, iproute
from .commands import Plan, RemoveFile, Run, Step, WriteFile
from .errors import ConfigError
from .executor import CommandFailed, query_all
from .facts import Paths, list_namespaces, netns_pids
from .ipjson import Link
from .world import configured

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .facts import Query
    from .runtime import Context

DEFAULT_DIR = "/var/lib/prometheus/node-exporter"
FILE_NAME = "netns_helper.prom"
PREFIX = "netns_helper"


Labels = tuple[tuple[str, str], ...]
Samples = tuple[tuple[Labels, int], ...]


@dataclass(frozen=True)
class Family:
    name: str
    kind: str  # "gauge" or "counter"
    help: str
    samples: Samples


def escape_label(value: str) -> str:
    """A label value as the text format wants it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(families: Iterable[Family]) -> str:
    """Prometheus text format (version 0.0.4)."""
    lines = []
    for family in families:
        lines += [f"# HELP {family.name} {family.help}", f"# TYPE {family.name} {family.kind}"]
        for labels, value in family.samples:
            text = ",".join(f'{key}="{escape_label(val)}"' for key, val in labels)
            lines.append(f"{family.name}{{{text}}} {value}")
    return "\n".join(lines) + "\n"


COUNTER_HELP = {
    "rx_bytes": "Bytes received by the link.",
    "rx_packets": "Packets received by the link.",
    "rx_errors": "Receive errors of the link.",
    "rx_dropped": "Received packets the link dropped.",
    "tx_bytes": "Bytes transmitted by the link.",
    "tx_packets": "Packets transmitted by the link.",
    "tx_errors": "Transmit errors of the link.",
    "tx_dropped": "Packets the link dropped instead of transmitting them.",
}


def _counter(key: str) -> Callable[[Link], int]:
    return lambda link: link.counter(key)


def gather(paths: Paths, query: Query) -> tuple[Family, ...]:
    """Every family, samples ordered by namespace and link. A namespace deleted meanwhile is left out."""
    links: dict[str, tuple[Link, ...]] = {}
    names = sorted(list_namespaces(paths))
    for netns, out in zip(
        names, query_all(query, [(iproute.IP, "-n", n, "-s", "-d", "-j", "link", "show") for n in names]), strict=True
    ):
        if not isinstance(out, CommandFailed):
            links[netns] = tuple(ipjson.links(out).values())
    in_netns = netns_pids(paths, links)
    pids = {netns: len(in_netns.get(netns, ())) for netns in links}
    per_netns = sorted(links)
    per_link = [(netns, link) for netns in per_netns for link in links[netns]]

    def by_netns(value: Callable[[str], int]) -> Samples:
        return tuple(((("netns", netns),), value(netns)) for netns in per_netns)

    def by_link(value: Callable[[Link], int]) -> Samples:
        return tuple(((("netns", netns), ("link", link.name)), value(link)) for netns, link in per_link)

    families = [
        Family(
            f"{PREFIX}_namespace_running",
            "gauge",
            "Whether the configured network namespace exists (1) or not (0).",
            tuple(((("netns", n),), int(n in links)) for n in configured(paths)),
        ),
        Family(f"{PREFIX}_processes", "gauge", "Processes in the network namespace.", by_netns(pids.__getitem__)),
        Family(
            f"{PREFIX}_xfrm_interfaces",
            "gauge",
            "XFRM interfaces in the network namespace.",
            by_netns(lambda netns: sum(link.kind == "xfrm" for link in links[netns])),
        ),
        Family(
            f"{PREFIX}_link_up",
            "gauge",
            "Whether the link is up (1) or not (0): operstate UP, or UNKNOWN with a carrier (lo).",
            by_link(lambda link: int(link.oper_up)),
        ),
    ]
    families += [
        Family(f"{PREFIX}_link_{key}_total", "counter", text, by_link(_counter(key)))
        for key, text in COUNTER_HELP.items()
    ]
    return tuple(families)


def plan_write(directory: str, text: str) -> Plan:
    """Write TEXT beside the metrics file, then rename it over the file: rename(2) is atomic."""
    if not os.path.isdir(directory):
        raise ConfigError(
            f"{directory}: no such directory",
            hint="node-exporter's textfile directory (package prometheus-node-exporter), "
            "or another one: --textfile-dir=DIR",
        )
    # Not *.prom: node-exporter never reads the file while it is being written.
    temp = f"{directory}/.{FILE_NAME}.tmp"
    steps = (
        Step(RemoveFile(temp)),  # left by an interrupted run
        Step(WriteFile(temp, text), undo=(RemoveFile(temp),), undo_if_failed=True),
        Step(Run(("mv", "-f", "-T", temp, f"{directory}/{FILE_NAME}"))),
    )
    return Plan(f"metrics into {directory}/{FILE_NAME}", steps)


def run(ctx: Context, opts: Args) -> int:
    from .runtime import run_plan

    directory = opts.value("--textfile-dir", DEFAULT_DIR).rstrip("/") or "/"
    return run_plan(ctx, plan_write(directory, render(gather(ctx.paths, ctx.executor.query))))
