# SPDX-License-Identifier: GPL-3.0-or-later
"""The one reader of `ip -j` output: every link, as one record, from `link show` or `addr show`."""

from __future__ import annotations

import json

from .values import value


@value
class Link:
    """A network device as `ip -j [-d] [-s] link|addr show` reports it; absent parts stay empty."""

    name: str
    kind: str | None = None  # linkinfo's info_kind (needs -d); None for a physical NIC
    parent: str | None = None  # the lower device of a VLAN, macvlan, ...
    parent_elsewhere: bool = False  # the lower device is in another namespace
    master: str | None = None  # the bridge or bond this link is a port of
    flags: tuple[str, ...] = ()  # UP, LOWER_UP, BROADCAST...
    operstate: str = "UNKNOWN"  # UP, DOWN, UNKNOWN (lo), LOWERLAYERDOWN...
    addresses: tuple[str, ...] = ()  # "local/prefixlen" (addr show)
    counters: tuple[tuple[str, int], ...] = ()  # ("rx_bytes", n)... (needs -s; -s -s for the error details)
    ifindex: int | None = None
    link_index: int | None = None  # the lower device's or the peer's ifindex
    mtu: int | None = None
    txqlen: int | None = None
    address: str = ""  # the MAC address
    broadcast: str = ""
    ifalias: str = ""
    permaddr: str | None = None  # the permanent MAC, where the device has one that differs

    @property
    def admin_up(self) -> bool:
        """Set up by an admin: the UP flag (`ip link set X up`)."""
        return "UP" in self.flags

    @property
    def oper_up(self) -> bool:
        """Passing traffic: operstate UP, or UNKNOWN with a carrier (lo and some virtual links)."""
        return self.operstate == "UP" or (self.operstate == "UNKNOWN" and "LOWER_UP" in self.flags)

    def counter(self, key: str) -> int:
        """A counter such as "rx_bytes"; 0 when ip did not report it."""
        return dict(self.counters).get(key, 0)


def _counters(entry: dict[str, object]) -> tuple[tuple[str, int], ...]:
    stats = entry.get("stats64") or entry.get("stats")
    if not stats:
        return ()  # without -s (start, stop): no counters to look for
    assert isinstance(stats, dict)
    return tuple(
        (f"{direction}_{key}", int(value))
        for direction in ("rx", "tx")
        for key, value in (stats.get(direction) or {}).items()
        if isinstance(value, int)
    )


def links(output: str) -> dict[str, Link]:
    """Links by name, in ip's order."""
    found: dict[str, Link] = {}
    for entry in json.loads(output or "[]"):
        name = entry["ifname"]
        found[name] = Link(
            name=name,
            kind=(entry.get("linkinfo") or {}).get("info_kind"),
            parent=entry.get("link"),
            parent_elsewhere="link_netnsid" in entry,
            master=entry.get("master"),
            flags=tuple(entry.get("flags", ())),
            operstate=entry.get("operstate", "UNKNOWN"),
            addresses=tuple(f"{a['local']}/{a['prefixlen']}" for a in entry.get("addr_info", ()) if "local" in a),
            counters=_counters(entry),
            ifindex=entry.get("ifindex"),
            link_index=entry.get("link_index"),
            mtu=entry.get("mtu"),
            txqlen=entry.get("txqlen"),
            address=entry.get("address", ""),
            broadcast=entry.get("broadcast", ""),
            ifalias=entry.get("ifalias", ""),
            permaddr=entry.get("permaddr"),
        )
    return found
