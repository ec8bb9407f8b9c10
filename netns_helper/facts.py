# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only facts about the live system, the planner's only view of it."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping

from . import ipjson, iproute
from .dhcp import CLIENTS, host_hook_dirs
from .ipjson import Link
from .record import Record, read
from .values import field, value

HOOK_DIRS = ("if-pre-up.d", "if-up.d", "if-down.d", "if-post-down.d")


@value
class Paths:
    """Where configuration and runtime state live; only tests move them."""

    etc: str = "/etc"
    run: str = "/run"
    proc: str = "/proc"
    var_lib: str = "/var/lib"
    usr_lib: str = "/usr/lib"

    @property
    def run_netns(self) -> str:
        return f"{self.run}/netns"

    def state_dir(self, netns: str) -> str:
        """ifupdown's state for NETNS: /run is shared with the host, so each namespace needs its own."""
        return f"{self.run}/network/netns/{netns}"

    def dhcp_run_dir(self, netns: str) -> str:
        """NETNS's DHCP clients' pid files and sockets (dhcp.py), gone with the state directory."""
        return f"{self.state_dir(netns)}/dhcp"

    def dhcp_lib_dir(self, netns: str) -> str:
        """NETNS's DHCP leases (dhcp.py): kept across stop and start, as a host keeps them."""
        return f"{self.var_lib}/netns-helper/{netns}"

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
    fingerprint: str | None = None  # of the file a namespace's copy is made from (see `fingerprint`)


@value
class Entry:
    """An entry of a namespace's hook directories, as start finds it: enough to tell its own mirrors."""

    kind: str  # "file <fingerprint>" or "link <target>": what a mirror record says
    dangling: bool = False  # a symlink to nothing: run-parts fails on it, so ifup does
    host_inode: bool = False  # another name of the host's hook (a hard link made by earlier versions)


MIRRORS = ".netns-helper-mirrors"  # in /etc/netns/NAME/network: the hook entries start made, as they were made


@value
class Facts:
    """What the planner knows of the live system: read before planning, never changed by it."""

    namespaces: frozenset[str] = frozenset()
    host_links: Mapping[str, Link] = field(default_factory=dict)
    ns_links: Mapping[str, Link] = field(default_factory=dict)  # of the namespace being planned
    host_hooks: tuple[Hook, ...] = ()
    ns_hook_entries: Mapping[str, Entry] = field(default_factory=dict)  # "if-up.d/name" in /etc/netns/NAME/network
    mirrors: Mapping[str, str] = field(default_factory=dict)  # the mirror record: entry -> its Entry.kind when made
    resolv_conf_exists: bool = False
    state_dir_exists: bool = False
    dhcp_clients: frozenset[str] = frozenset()  # the DHCP clients ifupdown could run (dhcp.CLIENTS)
    dhcp_run_entries: frozenset[str] | None = None  # what is in the namespace's dhcp_run_dir, if it exists
    dhcp_hooks: tuple[tuple[str, str, str], ...] = ()  # the host's DHCP client hooks: (directory, name, content)
    resolv_conf_target: str | None = None  # where the host's /etc/resolv.conf leads, a symlink into /run
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


def fingerprint(path: str) -> str | None:
    """Size and CRC-32 of a file's bytes: tells an admin's edit of a copy from the copy (not an attacker's)."""
    import zlib

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return f"{len(data)} {zlib.crc32(data):08x}"


def _copy_source(hook_path: str, target: str | None, paths: Paths) -> str | None:
    """The file a namespace's mirror of a host hook copies; None when the mirror is a symlink."""
    source = target or hook_path
    return source if source.startswith(paths.host_network + "/") else None


Identity = tuple[int, int]  # a namespace's (st_dev, st_ino) on nsfs: what /proc/PID/ns/net and its mounts share


def identity(paths: Paths, name: str) -> Identity | None:
    """The namespace bound at /run/netns/NAME; None when it cannot be read."""
    try:
        bound = os.stat(f"{paths.run_netns}/{name}")
    except OSError:
        return None
    return (bound.st_dev, bound.st_ino)


def identities(paths: Paths, names: Iterable[str]) -> dict[Identity, list[str]]:
    """The namespaces bound at /run/netns/NAME for NAMES, by identity; one that cannot be read is left out."""
    by_identity: dict[Identity, list[str]] = {}
    for name in names:
        bound = identity(paths, name)
        if bound is not None:
            by_identity.setdefault(bound, []).append(name)
    return by_identity


def pids_in(paths: Paths, wanted: Collection[Identity]) -> dict[Identity, tuple[int, ...]]:
    """The processes in each namespace of WANTED, in one walk of /proc: a process is in one when
    its /proc/PID/ns/net is that namespace. No process is started."""
    found: dict[Identity, list[int]] = {identity: [] for identity in wanted}
    try:
        entries = sorted(int(entry) for entry in os.listdir(paths.proc) if entry.isdigit()) if found else []
    except FileNotFoundError:
        entries = []
    for pid in entries:
        try:
            ns = os.stat(f"{paths.proc}/{pid}/ns/net")
        except OSError:  # gone meanwhile, or a zombie
            continue
        pids = found.get((ns.st_dev, ns.st_ino))
        if pids is not None:
            pids.append(pid)
    return {identity: tuple(pids) for identity, pids in found.items()}


def by_name(
    named: Mapping[Identity, list[str]], pids: Mapping[Identity, tuple[int, ...]]
) -> dict[str, tuple[int, ...]]:
    return {name: pids.get(identity, ()) for identity, same in named.items() for name in same}


def netns_pids(paths: Paths, names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """The processes of each namespace of NAMES, found as `ip netns pids` finds them, in one pass.

    A process is in NAME when its /proc/PID/ns/net is the namespace bound at /run/netns/NAME.
    One walk of /proc for every namespace at once, and no process: `status` and `metrics` over
    a hundred namespaces would otherwise start a hundred `ip netns pids`. A namespace that
    cannot be read (deleted meanwhile) is left out.
    """
    named = identities(paths, names)
    return by_name(named, pids_in(paths, named))


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
            source = _copy_source(path, target, paths)
            hooks.append(Hook(directory, name, path, target, fingerprint(source) if source else None))
    return tuple(hooks)


def ns_hook_entries(paths: Paths, netns: str, hooks: tuple[Hook, ...] = ()) -> dict[str, Entry]:
    """The entries of NETNS's hook directories, each with what start needs to know of it."""
    sources = {f"{h.directory}/{h.name}": _copy_source(h.path, h.target, paths) for h in hooks}
    entries: dict[str, Entry] = {}
    for directory in HOOK_DIRS:
        base = f"{paths.netns_etc(netns)}/network/{directory}"
        try:
            names = sorted(os.listdir(base))
        except FileNotFoundError:
            continue
        for name in names:
            key, path = f"{directory}/{name}", f"{base}/{name}"
            try:
                if os.path.islink(path):
                    entries[key] = Entry(f"link {os.readlink(path)}", dangling=not os.path.exists(path))
                    continue
                st = os.stat(path)
            except OSError:
                continue  # gone meanwhile
            source = sources.get(key)
            try:
                shared = source is not None and os.path.samestat(st, os.stat(source))
            except OSError:
                shared = False
            entries[key] = Entry(f"file {fingerprint(path)}", host_inode=shared)
    return entries


def mirror_record(paths: Paths, netns: str) -> dict[str, str]:
    """What start recorded of the mirrors it made for NETNS; empty when there is no record (or it is broken)."""
    import json

    try:
        with open(f"{paths.netns_etc(netns)}/network/{MIRRORS}") as f:
            record = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict):
        return {}
    return {k: v for k, v in record.items() if isinstance(k, str) and isinstance(v, str)}


def dhcp_clients() -> frozenset[str]:
    return frozenset(c.name for c in CLIENTS if os.access(c.binary, os.X_OK))


def dhcp_hooks(paths: Paths, clients: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    """The files of the installed CLIENTS' hook directories: (copy's name, name, content).

    All regular files but dot files: in the copy, the client's own runner picks what it runs, as on
    the host (dhclient-script's run-parts names, dhcpcd-run-hooks' glob but *~).
    """
    hooks = []
    for directory, base in host_hook_dirs(paths, clients):
        for name in sorted(_entries(base) or ()):
            path = f"{base}/{name}"
            if not name.startswith(".") and os.path.isfile(path):
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    hooks.append((directory, name, f.read()))
    return tuple(hooks)


def resolv_conf_target(paths: Paths) -> str | None:
    """Where the host's /etc/resolv.conf leads when it is a symlink into /run (systemd-resolved's, resolvconf's)."""
    path = f"{paths.etc}/resolv.conf"
    if not os.path.islink(path):
        return None
    target = os.path.realpath(path)
    return target if target.startswith(f"{paths.run}/") else None


def _entries(path: str) -> frozenset[str] | None:
    try:
        return frozenset(os.listdir(path))
    except FileNotFoundError:
        return None


def gather(paths: Paths, netns: str, query: Query, host_links: bool = True, start: bool = True) -> Facts:
    """Everything the planner needs to plan start (or, without HOST_LINKS, stop) of NETNS.

    The host's links are read anyway when NETNS's record has veth pairs (stop deletes their host ends).
    Without START (a stop), what only start plans with is not read: the host's hooks and the
    namespace's mirrors of them, the DHCP client hooks it copies.
    """
    namespaces = list_namespaces(paths)
    exists = netns in namespaces
    hooks = host_hooks(paths) if start else ()
    clients = dhcp_clients()
    record = read(paths.state_dir(netns), netns) if exists else None
    return Facts(
        namespaces=namespaces,
        host_links=ipjson.links(query(iproute.query_links())) if host_links or (record and record.veths) else {},
        ns_links=ipjson.links(query(iproute.query_links(netns))) if exists else {},
        host_hooks=hooks,
        ns_hook_entries=ns_hook_entries(paths, netns, hooks) if start else {},
        mirrors=mirror_record(paths, netns) if start else {},
        resolv_conf_exists=os.path.lexists(f"{paths.netns_etc(netns)}/resolv.conf"),
        state_dir_exists=os.path.isdir(paths.state_dir(netns)),
        dhcp_clients=clients,
        dhcp_hooks=dhcp_hooks(paths, clients) if start else (),
        dhcp_run_entries=_entries(paths.dhcp_run_dir(netns)),
        resolv_conf_target=resolv_conf_target(paths) if clients else None,
        record=record,
        invocation=os.environ.get("INVOCATION_ID") or None,
        stale_entry=not exists and os.path.lexists(f"{paths.run_netns}/{netns}"),
    )
