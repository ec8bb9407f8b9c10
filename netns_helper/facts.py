"""Read-only facts about the live system, the planner's only view of it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping

from . import ipjson, iproute
from .ipjson import Link
from .values import field, value

HOOK_DIRS = ("if-pre-up.d", "if-up.d", "if-down.d", "if-post-down.d")


@value
class Paths:
    """Where configuration and runtime state live; only tests move them."""

    etc: str = "/etc"
    run: str = "/run"
    proc: str = "/proc"

    @property
    def run_netns(self) -> str:
        return f"{self.run}/netns"

    def state_dir(self, netns: str) -> str:
        """ifupdown's state for NETNS: /run is shared with the host, so each namespace needs its own."""
        return f"{self.run}/network/netns/{netns}"

    def netns_etc(self, netns: str) -> str:
        return f"{self.etc}/netns/{netns}"

    def netns_interfaces(self, netns: str) -> str:
        return f"{self.netns_etc(netns)}/network/interfaces"

    def netns_xfrm(self, netns: str) -> str:
        return f"{self.netns_etc(netns)}/network/xfrm"

    @property
    def host_interfaces(self) -> str:
        return f"{self.host_network}/interfaces"

    @property
    def host_network(self) -> str:
        return f"{self.etc}/network"

    @property
    def systemd_dir(self) -> str:
        """Where the admin's units and drop-ins live (`enable`, `join` and `disable` write there)."""
        return f"{self.etc}/systemd/system"

    @property
    def systemd_booted(self) -> bool:
        """Whether systemd runs this system (sd_booted(3)'s test): not in a chroot or image build."""
        return os.path.isdir(f"{self.run}/systemd/system")


@value
class Hook:
    """An entry of the host's /etc/network/if-*.d/ that ifupdown would run."""

    directory: str
    name: str
    path: str
    target: str | None  # the resolved target when the entry is a symlink


@value
class Facts:
    """What the planner knows of the live system: read before planning, never changed by it."""

    namespaces: frozenset[str] = frozenset()
    host_links: Mapping[str, Link] = field(default_factory=dict)
    ns_links: Mapping[str, Link] = field(default_factory=dict)  # of the namespace being planned
    host_hooks: tuple[Hook, ...] = ()
    ns_hook_entries: frozenset[str] = frozenset()  # "if-up.d/name" already in /etc/netns/NAME/network
    resolv_conf_exists: bool = False
    state_dir_exists: bool = False


Query = Callable[[tuple[str, ...]], str]


def list_namespaces(paths: Paths) -> frozenset[str]:
    try:
        return frozenset(os.listdir(paths.run_netns))
    except FileNotFoundError:
        return frozenset()


def netns_pids(paths: Paths, names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """The processes of each namespace of NAMES, found as `ip netns pids` finds them, in one pass.

    A process is in NAME when its /proc/PID/ns/net is the namespace bound at /run/netns/NAME.
    One walk of /proc for every namespace at once, and no process: `status` and `metrics` over
    a hundred namespaces would otherwise start a hundred `ip netns pids`. A namespace that
    cannot be read (deleted meanwhile) is left out.
    """
    by_identity: dict[tuple[int, int], list[str]] = {}
    for name in names:
        try:
            bound = os.stat(f"{paths.run_netns}/{name}")
        except OSError:
            continue
        by_identity.setdefault((bound.st_dev, bound.st_ino), []).append(name)
    found: dict[str, list[int]] = {name: [] for same in by_identity.values() for name in same}
    try:
        entries = sorted(int(entry) for entry in os.listdir(paths.proc) if entry.isdigit())
    except FileNotFoundError:
        entries = []
    for pid in entries if by_identity else ():
        try:
            ns = os.stat(f"{paths.proc}/{pid}/ns/net")
        except OSError:  # gone meanwhile, or a zombie
            continue
        for name in by_identity.get((ns.st_dev, ns.st_ino), ()):
            found[name].append(pid)
    return {name: tuple(pids) for name, pids in found.items()}


def host_hooks(paths: Paths) -> tuple[Hook, ...]:
    hooks = []
    for directory in HOOK_DIRS:
        base = f"{paths.host_network}/{directory}"
        try:
            names = sorted(os.listdir(base))
        except FileNotFoundError:
            continue
        for name in names:
            path = f"{base}/{name}"
            target = os.path.realpath(path) if os.path.islink(path) else None
            hooks.append(Hook(directory, name, path, target))
    return tuple(hooks)


def ns_hook_entries(paths: Paths, netns: str) -> frozenset[str]:
    entries: set[str] = set()
    for directory in HOOK_DIRS:
        base = f"{paths.netns_etc(netns)}/network/{directory}"
        try:
            entries.update(f"{directory}/{name}" for name in os.listdir(base))
        except FileNotFoundError:
            continue
    return frozenset(entries)


def gather(paths: Paths, netns: str, query: Query, host_links: bool = True) -> Facts:
    """Everything the planner needs to plan start (or, without HOST_LINKS, stop) of NETNS."""
    namespaces = list_namespaces(paths)
    exists = netns in namespaces
    return Facts(
        namespaces=namespaces,
        host_links=ipjson.links(query(iproute.query_links())) if host_links else {},
        ns_links=ipjson.links(query(iproute.query_links(netns))) if exists else {},
        host_hooks=host_hooks(paths),
        ns_hook_entries=ns_hook_entries(paths, netns),
        resolv_conf_exists=os.path.lexists(f"{paths.netns_etc(netns)}/resolv.conf"),
        state_dir_exists=os.path.isdir(paths.state_dir(netns)),
    )
