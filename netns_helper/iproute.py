"""Pure builders of iproute2 and ifupdown commands. They run nothing."""

from __future__ import annotations

from .commands import SELF_NETNS, Run

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


def ifupdown(netns: str, state_dir: str, verb: str, *args: str) -> Run:
    """`ifup`/`ifdown` inside NETNS, with /etc/netns/NETNS bound over /etc and a private state dir."""
    return Run((IP, "netns", "exec", netns, verb, *args, f"--state-dir={state_dir}"))


# Read-only queries whose output becomes facts for the planner.
def query_links(netns: str | None = None) -> tuple[str, ...]:
    where = ("-n", netns) if netns else ()
    return (IP, *where, "-j", "-d", "link", "show")


def query_pids(netns: str) -> tuple[str, ...]:
    return (IP, "netns", "pids", netns)


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
    return Run((verb, *args))


def link_down(netns: str, dev: str) -> Run:
    return Run((IP, "-n", netns, "link", "set", "dev", dev, "down"))


def link_rename(netns: str, dev: str, new: str) -> Run:
    return Run((IP, "-n", netns, "link", "set", "dev", dev, "name", new))


def link_rename_here(dev: str, new: str) -> Run:
    return Run((IP, "link", "set", "dev", dev, "name", new))
