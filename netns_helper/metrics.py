# SPDX-License-Identifier: GPL-3.0-or-later
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

and node_exporter's own netdev and netclass families (labels `netns` and `device`), as the
original systemd-netns-helper 0.25 wrote them, so that its dashboards keep working:

    node_network_{receive,transmit}_{bytes,packets,errs,drop,fifo,...}_total    counter
    node_network_up, node_network_mtu_bytes, node_network_carrier, node_network_info, ...  gauge

Their names, types and HELP texts are node_exporter's: node_exporter merges them with the
series of the same names that it collects in the root namespace (those have no `netns` label),
and drops its own series of a name whose HELP text differs.

and per WireGuard peer (labels `netns`, `interface`, `public_key`), from `wg show all dump`:

    netns_helper_wireguard_peer_latest_handshake_seconds   gauge    Unix time of the latest
                                                                    handshake, 0 before the first
    netns_helper_wireguard_peer_handshake_age_seconds      gauge    seconds since it (peers that
                                                                    had one)
    netns_helper_wireguard_peer_{receive,transmit}_bytes_total     counter
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    from .wireguard import InterfaceState

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


# node_exporter's netdev counters: each the sum of the kernel's link statistics (`ip -s -s`) that
# the kernel adds up for that column of /proc/net/dev.
NETDEV: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "receive_bytes": ("rx", ("bytes",)),
    "receive_packets": ("rx", ("packets",)),
    "receive_errs": ("rx", ("errors",)),
    "receive_drop": ("rx", ("dropped", "missed_errors")),
    "receive_fifo": ("rx", ("fifo_errors",)),
    "receive_frame": ("rx", ("length_errors", "over_errors", "crc_errors", "frame_errors")),
    "receive_multicast": ("rx", ("multicast",)),
    "transmit_bytes": ("tx", ("bytes",)),
    "transmit_packets": ("tx", ("packets",)),
    "transmit_errs": ("tx", ("errors",)),
    "transmit_drop": ("tx", ("dropped",)),
    "transmit_fifo": ("tx", ("fifo_errors",)),
    "transmit_colls": ("tx", ("collisions",)),
    "transmit_carrier": ("tx", ("carrier_errors", "aborted_errors", "window_errors", "heartbeat_errors")),
}
# node_exporter's netclass gauges ("Network device property: NAME"), from `ip -d link`.
NETCLASS = ("carrier", "iface_id", "iface_link", "mtu_bytes", "transmit_queue_length")
NODE_UP_HELP = "Value is 1 if operstate is 'up', 0 otherwise."
NODE_INFO_HELP = "Non-numeric data from /sys/class/net/<iface>, value is always 1."


def _counter(key: str) -> Callable[[Link], int]:
    return lambda link: link.counter(key)


def _netdev(link: Link, key: str) -> int:
    """node_exporter's netdev column KEY: the sum of the kernel's statistics behind it."""
    direction, fields = NETDEV[key]
    return sum(link.counter(f"{direction}_{field}") for field in fields)


def _netclass(link: Link) -> dict[str, int]:
    """node_exporter's netclass gauges of LINK that ip reported."""
    values = {
        "iface_id": link.ifindex,
        "iface_link": link.link_index if link.link_index is not None else link.ifindex,
        "mtu_bytes": link.mtu,
        "transmit_queue_length": link.txqlen,
        # The kernel knows the carrier of a link that is up only (reading it fails otherwise).
        "carrier": int("LOWER_UP" in link.flags) if link.admin_up else None,
    }
    return {key: int(value) for key, value in values.items() if value is not None}


def _info(link: Link) -> Labels:
    """node_network_info's labels, but netns and device."""
    return (
        ("address", link.address),
        ("broadcast", link.broadcast),
        ("ifalias", link.ifalias),
        ("operstate", link.operstate.lower()),
    )


def gather(paths: Paths, query: Query) -> tuple[Family, ...]:
    """Every family, samples ordered by namespace and link. A namespace deleted meanwhile is left out."""
    links: dict[str, tuple[Link, ...]] = {}
    wireguard: dict[str, tuple[InterfaceState, ...]] = {}
    names = sorted(list_namespaces(paths))
    for netns, out in zip(
        names,
        query_all(query, [(iproute.IP, "-n", n, "-s", "-s", "-d", "-j", "link", "show") for n in names]),
        strict=True,
    ):
        if isinstance(out, CommandFailed):
            continue
        found = tuple(ipjson.links(out).values())
        links[netns] = found
        if any(link.kind == "wireguard" for link in found):
            from .wireguard import read_states  # only WireGuard namespaces pay for it

            # Without wg (wireguard-tools), or a namespace gone meanwhile: its links' metrics still count.
            with contextlib.suppress(CommandFailed):
                wireguard[netns] = read_states(query, netns)
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
    families += node_families(per_link)
    if wireguard:
        families += wireguard_families(wireguard)
    return tuple(families)


def node_families(per_link: list[tuple[str, Link]]) -> tuple[Family, ...]:
    """node_exporter's netdev and netclass families of the links, labelled netns and device."""

    def device(netns: str, link: Link) -> Labels:
        return (("netns", netns), ("device", link.name))

    netclass = [(n, link, _netclass(link)) for n, link in per_link]

    def gauge(key: str) -> Family:
        samples = tuple((device(n, link), values[key]) for n, link, values in netclass if key in values)
        return Family(f"node_network_{key}", "gauge", f"Network device property: {key}", samples)

    families = [
        Family(
            f"node_network_{key}_total",
            "counter",
            f"Network device statistic {key}.",
            tuple((device(n, link), _netdev(link, key)) for n, link in per_link),
        )
        for key in NETDEV
    ]
    families += [gauge(key) for key in NETCLASS]
    families += [
        Family(
            "node_network_up",
            "gauge",
            NODE_UP_HELP,
            tuple((device(n, link), int(link.operstate == "UP")) for n, link in per_link),
        ),
        Family(
            "node_network_info",
            "gauge",
            NODE_INFO_HELP,
            tuple((device(n, link) + _info(link), 1) for n, link in per_link),
        ),
    ]
    return tuple(families)


def wireguard_families(states: Mapping[str, Sequence[InterfaceState]], now: float | None = None) -> list[Family]:
    """Per-peer metrics (labels netns, interface, public_key), namespaces in name order."""
    if now is None:
        import time

        now = time.time()
    peers = [
        ((("netns", netns), ("interface", state.name), ("public_key", peer.public_key)), peer)
        for netns in sorted(states)
        for state in states[netns]
        for peer in state.peers
    ]
    return [
        Family(
            f"{PREFIX}_wireguard_peer_latest_handshake_seconds",
            "gauge",
            "Unix time of the WireGuard peer's latest handshake; 0 before the first.",
            tuple((labels, peer.latest_handshake) for labels, peer in peers),
        ),
        Family(
            f"{PREFIX}_wireguard_peer_handshake_age_seconds",
            "gauge",
            "Seconds since the WireGuard peer's latest handshake (only peers that had one).",
            tuple(
                (labels, max(0, int(now) - peer.latest_handshake)) for labels, peer in peers if peer.latest_handshake
            ),
        ),
        Family(
            f"{PREFIX}_wireguard_peer_receive_bytes_total",
            "counter",
            "Bytes received from the WireGuard peer.",
            tuple((labels, peer.rx_bytes) for labels, peer in peers),
        ),
        Family(
            f"{PREFIX}_wireguard_peer_transmit_bytes_total",
            "counter",
            "Bytes sent to the WireGuard peer.",
            tuple((labels, peer.tx_bytes) for labels, peer in peers),
        ),
    ]


def plan_write(directory: str, text: str, pid: int) -> Plan:
    """Write TEXT beside the metrics file, then rename it over the file: rename(2) is atomic.

    The temporary file is named after this run's PID, so that two runs at once never write one
    file; one left by a run that was killed (its PID gone) is removed.
    """
    if not os.path.isdir(directory):
        raise ConfigError(
            f"{directory}: no such directory",
            hint="node-exporter's textfile directory (package prometheus-node-exporter), "
            "or another one: --textfile-dir=DIR",
        )
    # Not *.prom: node-exporter never reads the file while it is being written.
    temp = f"{directory}/.{FILE_NAME}.{pid}.tmp"
    steps = [Step(RemoveFile(f"{directory}/{left}")) for left in _leftovers(directory)]
    steps += [
        Step(WriteFile(temp, text), undo=(RemoveFile(temp),), undo_if_failed=True),
        Step(Run(("mv", "-f", "-T", temp, f"{directory}/{FILE_NAME}"))),
    ]
    return Plan(f"metrics into {directory}/{FILE_NAME}", tuple(steps))


def _leftovers(directory: str) -> list[str]:
    """Temporary files of runs that are gone (by their PID; a run in progress keeps its own)."""
    prefix, suffix = f".{FILE_NAME}.", ".tmp"
    found = []
    for name in sorted(os.listdir(directory)):
        pid = name[len(prefix) : -len(suffix)] if name.startswith(prefix) and name.endswith(suffix) else ""
        if name == f"{prefix}tmp" or (pid.isdigit() and not os.path.exists(f"/proc/{pid}")):
            found.append(name)  # `.netns_helper.prom.tmp`: the fixed name of earlier versions
    return found


def run(ctx: Context, opts: Args) -> int:
    from .runtime import run_plan

    value = opts.value("--textfile-dir", DEFAULT_DIR)
    if not value:
        raise ConfigError(
            "--textfile-dir= is empty", hint="name node-exporter's textfile directory: --textfile-dir=DIR"
        )
    directory = value.rstrip("/") or "/"
    text = render(gather(ctx.paths, ctx.executor.query))
    return run_plan(ctx, plan_write(directory, text, os.getpid()))
