# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure builders of iproute2 and ifupdown commands. They run nothing."""

from __future__ import annotations

from collections.abc import Sequence

from .commands import IFUPDOWN_TIMEOUTS, SELF_NETNS, Run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .dhcp import Bind
    from .xfrm import Xfrm

IP = "ip"


def netns_add(netns: str) -> Run:
    return Run((IP, "netns", "add", netns))


def netns_delete(netns: str) -> Run:
    return Run((IP, "netns", "delete", netns))


def link_up(netns: str, dev: str) -> Run:
    return Run((IP, "-n", netns, "link", "set", "dev", dev, "up"))


def link_to_netns(dev: str, netns: str) -> Run:
    """Move host device DEV into NETNS."""
    return Run((IP, "link", "set", "dev", dev, "netns", netns))


def link_to_self(netns: str, dev: str) -> Run:
    """Move DEV out of NETNS into the namespace this program (or script) runs in."""
    return Run((IP, "-n", netns, "link", "set", "dev", dev, "netns", SELF_NETNS))


def link_exists_here(dev: str) -> Run:
    """Fails unless DEV is in our own namespace: the check that a move back really happened."""
    return Run((IP, "link", "show", "dev", dev), quiet=True)


def vlan_add_into(parent: str, name: str, vid: int, netns: str) -> Run:
    """Create VLAN NAME on host device PARENT directly inside NETNS (never visible on the host)."""
    return Run((IP, "link", "add", "link", parent, "name", name, "netns", netns, "type", "vlan", "id", str(vid)))


def link_delete(netns: str, dev: str) -> Run:
    return Run((IP, "-n", netns, "link", "delete", "dev", dev))


# Binds each SOURCE over TARGET in the mount namespace `ip netns exec` made, then runs the command.
# Fixed text; the paths come as arguments (KIND SOURCE TARGET ... --), never into the script.
_BIND_SH = (
    'while [ "$1" != -- ]; do'
    ' if [ "$1" = dir ]; then mkdir -p "$2" "$3";'
    ' else mkdir -p "${2%/*}"; [ -e "$2" ] || : >"$2"; [ -e "$3" ] || : >"$3"; fi;'
    ' mount --bind "$2" "$3"; shift 3;'
    ' done; shift; exec "$@"'
)


def ifupdown(netns: str, state_dir: str, verb: str, *args: str, binds: Sequence[Bind] = ()) -> Run:
    """`ifup`/`ifdown` inside NETNS, with /etc/netns/NETNS bound over /etc and a private state dir.

    BINDS (the namespace's private DHCP client state, dhcp.py) are bound first, in the mount
    namespace of `ip netns exec`, which the DHCP clients ifupdown starts inherit.
    """
    command = (verb, *args, f"--state-dir={state_dir}")
    if not binds:
        return Run((IP, "netns", "exec", netns, *command), timeout=IFUPDOWN_TIMEOUTS[verb])
    triples = [a for b in binds for a in ("dir" if b.directory else "file", b.source, b.target)]
    argv = (IP, "netns", "exec", netns, "sh", "-euc", _BIND_SH, "netns-helper", *triples, "--", *command)
    return Run(argv, timeout=IFUPDOWN_TIMEOUTS[verb])


# Read-only queries whose output becomes facts for the planner.
def query_links(netns: str | None = None) -> tuple[str, ...]:
    where = ("-n", netns) if netns else ()
    return (IP, *where, "-j", "-d", "link", "show")


def veth_add_into(host_end: str, ns_end: str, netns: str) -> Run:
    """A veth pair with HOST_END here and NS_END created directly inside NETNS."""
    return Run((IP, "link", "add", "name", host_end, "type", "veth", "peer", "name", ns_end, "netns", netns))


def link_delete_here(dev: str) -> Run:
    """Delete DEV in our namespace (a veth takes its peer with it)."""
    return Run((IP, "link", "delete", "dev", dev))


def link_master_here(dev: str, bridge: str) -> Run:
    return Run((IP, "link", "set", "dev", dev, "master", bridge))


def link_up_here(dev: str) -> Run:
    return Run((IP, "link", "set", "dev", dev, "up"))


def host_ifupdown(verb: str, *args: str) -> Run:
    """The host's own ifup/ifdown, with the host's configuration and state."""
    return Run((verb, *args), timeout=IFUPDOWN_TIMEOUTS[verb])


def link_down(netns: str, dev: str) -> Run:
    return Run((IP, "-n", netns, "link", "set", "dev", dev, "down"))


def link_rename(netns: str, dev: str, new: str) -> Run:
    return Run((IP, "-n", netns, "link", "set", "dev", dev, "name", new))


def link_rename_here(dev: str, new: str) -> Run:
    return Run((IP, "link", "set", "dev", dev, "name", new))


# --- XFRM interfaces, their routes and BlockP2P rules ---------------------------------------------


def xfrm_add(service_netns: str, name: str, if_id: int, underlay: str | None, mtu: int | None) -> Run:
    """Create XFRM interface NAME in the service's namespace, where its if_id is reserved.

    `name NAME`, not a bare NAME: ip reads a bare `a` or `type` as a keyword. `mtu` must
    come before `type xfrm`, after which only xfrm's own options are accepted.
    """
    head = (IP, "-n", service_netns, "link", "add", "name", name)
    mtu_args = ("mtu", str(mtu)) if mtu is not None else ()
    dev_args = ("dev", underlay) if underlay is not None else ()
    return Run((*head, *mtu_args, "type", "xfrm", *dev_args, "if_id", str(if_id)))


def xfrm_move(service_netns: str, name: str, dest_netns: str) -> Run:
    return Run((IP, "-n", service_netns, "link", "set", "dev", name, "netns", dest_netns))


def routes_batch(dest_netns: str, items: Sequence[Xfrm], uplink: str | None) -> tuple[Run, ...]:
    """The routes (and BlockP2P rules) of ITEMS in DEST_NETNS: one `ip -batch` per IP version.

    iproute2 6.1 takes no family per line of a batch, and `ip rule add` does not take it
    from a `from ::/0` prefix (it adds an IPv4 rule), so IPv6 rules need `ip -6`.
    The interfaces must be up: the kernel refuses routes into a device that is down.
    One copy of each rule per call, with no fixed `pref`: two services sharing a
    namespace, uplink and table each own a copy, and each stop deletes one.
    """
    routes: dict[int, list[str]] = {4: [], 6: []}
    rules: dict[int, dict[str, None]] = {4: {}, 6: {}}
    for item in items:
        _check_batch_item(dest_netns, item, uplink)
        table = f" table {item.table}" if item.block_p2p else ""
        for prefix in item.prefixes:
            routes[prefix.version].append(f"route add {prefix} dev {item.name}{table}")
            if item.block_p2p:
                rules[prefix.version][f"rule add iif {uplink} lookup {item.table}"] = None
    return tuple(
        _batch(dest_netns, version, [*routes[version], *rules[version]]) for version in (4, 6) if routes[version]
    )


def routes_delete_batch(dest_netns: str, items: Sequence[Xfrm], uplink: str | None) -> tuple[Run, ...]:
    """What stop must delete of `routes_batch`'s work when DEST_NETNS stays up: the rules.

    Routes go with their device (deleting the XFRM interface deletes them); rules outlive
    both the interface and the uplink. `-force` tries every line even if one fails.
    """
    rules: dict[int, dict[str, None]] = {4: {}, 6: {}}
    for item in items:
        _check_batch_item(dest_netns, item, uplink)
        if item.block_p2p:
            for version in item.versions:
                rules[version][f"rule del iif {uplink} lookup {item.table}"] = None
    return tuple(_batch(dest_netns, version, list(rules[version]), force=True) for version in (4, 6) if rules[version])


def _check_batch_item(dest_netns: str, item: Xfrm, uplink: str | None) -> None:
    if item.dest_netns != dest_netns:
        raise ValueError(f"[{item.name}] goes into {item.dest_netns}, not {dest_netns}")
    if item.block_p2p and uplink is None:
        raise ValueError(f"[{item.name}] has BlockP2P but no uplink was given")


def _batch(netns: str, version: int, lines: list[str], force: bool = False) -> Run:
    force_args = ("-force",) if force else ()
    return Run((IP, *force_args, "-n", netns, f"-{version}", "-batch", "-"), stdin="\n".join(lines) + "\n")


def forwarding_on(dest_netns: str, items: Sequence[Xfrm], explicit: frozenset[int] = frozenset()) -> Run | None:
    """Enable forwarding in DEST_NETNS for each IP version ITEMS route (None if none).

    EXPLICIT: the versions whose forwarding the namespace's sysctl files set; theirs wins.

    `tee` (coreutils, always installed) rather than `sysctl` (procps, not always):
    /proc/sys/net is the writer's namespace's.
    """
    versions = {v for item in items for v in item.versions} - explicit
    paths = [
        path
        for version, path in ((4, "/proc/sys/net/ipv4/ip_forward"), (6, "/proc/sys/net/ipv6/conf/all/forwarding"))
        if version in versions
    ]
    if not paths:
        return None
    return Run((IP, "netns", "exec", dest_netns, "tee", *paths), stdin="1\n", quiet=True)
