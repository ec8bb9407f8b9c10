"""Read-only facts about the live system, the planner's only view of it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from . import ipjson, iproute
from .ipjson import Link
from .record import Record, read

HOOK_DIRS = ("if-pre-up.d", "if-up.d", "if-down.d", "if-post-down.d")


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Hook:
    """An entry of the host's /etc/network/if-*.d/ that ifupdown would run."""

    directory: str
    name: str
    path: str
    target: str | None  # the resolved target when the entry is a symlink


@dataclass(frozen=True)
class Facts:
    """What the planner knows of the live system: read before planning, never changed by it."""

    namespaces: frozenset[str] = frozenset()
    host_links: Mapping[str, Link] = field(default_factory=dict)
    ns_links: Mapping[str, Link] = field(default_factory=dict)  # of the namespace being planned
    host_hooks: tuple[Hook, ...] = ()
    ns_hook_entries: frozenset[str] = frozenset()  # "if-up.d/name" already in /etc/netns/NAME/network
    resolv_conf_exists: bool = False
    state_dir_exists: bool = False
    record: Record | None = None  # what the running namespace's start did (None: unknown)
    invocation: str | None = None  # $INVOCATION_ID: the systemd unit activation this runs in
    stale_entry: bool = False  # /run/netns/NAME is a plain file, not a namespace (a killed `ip netns add`)


Query = Callable[[tuple[str, ...]], str]


def list_namespaces(paths: Paths) -> frozenset[str]:
    """The namespaces of /run/netns: its entries that are namespace mounts (see `is_namespace`)."""
    try:
        names = os.listdir(paths.run_netns)
        here = os.stat(paths.run_netns).st_dev
    except FileNotFoundError:
        return frozenset()
    return frozenset(name for name in names if is_namespace(f"{paths.run_netns}/{name}", here))


def is_namespace(path: str, dir_dev: int) -> bool:
    """Whether PATH, an entry of /run/netns (on device DIR_DEV), is a namespace mount.

    `ip netns add` creates a plain file, then bind-mounts the namespace on it; killed in
    between (systemd's timeout or stop during a start), it leaves the plain file, on the
    directory's own file system. A mounted namespace is on nsfs. An entry that vanishes
    meanwhile is no namespace either.
    """
    try:
        return os.stat(path).st_dev != dir_dev
    except OSError:
        return False


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
    """Everything the planner needs to plan start (or, without HOST_LINKS, stop) of NETNS.

    The host's links are read anyway when NETNS's record has veth pairs (stop deletes their host ends).
    """
    namespaces = list_namespaces(paths)
    exists = netns in namespaces
    record = read(paths.state_dir(netns), netns) if exists else None
    return Facts(
        namespaces=namespaces,
        host_links=ipjson.links(query(iproute.query_links())) if host_links or (record and record.veths) else {},
        ns_links=ipjson.links(query(iproute.query_links(netns))) if exists else {},
        host_hooks=host_hooks(paths),
        ns_hook_entries=ns_hook_entries(paths, netns),
        resolv_conf_exists=os.path.lexists(f"{paths.netns_etc(netns)}/resolv.conf"),
        state_dir_exists=os.path.isdir(paths.state_dir(netns)),
        record=record,
        invocation=os.environ.get("INVOCATION_ID") or None,
        stale_entry=not exists and os.path.lexists(f"{paths.run_netns}/{netns}"),
    )
