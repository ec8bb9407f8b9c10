# SPDX-License-Identifier: GPL-3.0-or-later
"""Private DHCP client state for each namespace: which paths ifupdown's clients use, and where ours live.

ifupdown runs its DHCP client with fixed paths under /run and /var/lib, which every namespace
shares with the host: `dhclient -pf /run/dhclient.IFACE.pid -lf /var/lib/dhcp/...`, dhcpcd's
/run/dhcpcd (pid files and control sockets) and /var/lib/dhcpcd, udhcpc's /run/udhcpc.IFACE.pid.
Two namespaces (or a namespace and the host) with one interface name would find, signal and
release each other's client. `ip netns exec` gives ifupdown a mount namespace of its own, which
the client inherits; binding a private file or directory of the namespace over each of those
paths there, before ifupdown runs, gives every namespace its own client state. Leases live under
/var/lib and outlive a stop, as a host's do across reboots; pid files and sockets live in the
namespace's state directory, which stop removes. Pure: runs nothing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from .errors import ERROR, WARNING, Problem
from .interfaces import Interfaces
from .values import value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .facts import Paths


@value
class Client:
    """A DHCP client ifupdown may run: how ifupdown tells it is there, and the state it keeps."""

    name: str
    binary: str  # ifupdown's own test: execable(BINARY)
    lib_dirs: tuple[str, ...]  # under /var/lib: leases, kept across restarts
    run_dirs: tuple[str, ...]  # under /run: pid files, control sockets
    pid_files: tuple[str, ...]  # under /run, per interface ({} is the interface)
    # The client script's hook directories, each (a Paths field, the path under it): the client sees
    # a copy of each without HOST_DAEMON_HOOKS, plus own_hooks (name, content) in the first.
    hook_dirs: tuple[tuple[str, str], ...] = ()
    own_hooks: tuple[tuple[str, str], ...] = ()


# The only DHCPv6 client of ifupdown's inet6 methods (dhclient -6).
DHCLIENT = Client(
    "dhclient", "/sbin/dhclient", ("dhcp",), (), ("dhclient.{}.pid", "dhclient6.{}.pid"),
    (("etc", "dhcp/dhclient-enter-hooks.d"), ("etc", "dhcp/dhclient-exit-hooks.d")),
)  # fmt: skip
# dhcpcd-run-hooks sources /etc/dhcpcd.enter-hook, every file of its hook directory (the same path
# on bookworm and trixie), then /etc/dhcpcd.exit-hook. 20-resolv.conf hands a lease's DNS to
# `resolvconf` when `command -v` finds one (systemd-resolved's resolvectl: the host's resolver, for
# the host's link of the same ifindex; resolvconf's: /run/resolvconf, the host's), else writes
# /etc/resolv.conf, the namespace's file here. Ours, sorted before it, names a resolvconf that
# cannot exist. The admin's enter and exit hooks run as they are.
DHCPCD_OWN_HOOK = """\
# netns-helper: the copy of dhcpcd's hooks that a namespace's dhcpcd sees. No resolvconf here: it
# would hand the lease's DNS to the host's resolver. 20-resolv.conf writes the namespace's resolv.conf.
resolvconf=/dev/null/resolvconf
"""
CLIENTS = (
    DHCLIENT,
    Client(
        "dhcpcd", "/sbin/dhcpcd", ("dhcpcd",), ("dhcpcd",), (), (("usr_lib", "dhcpcd/dhcpcd-hooks"),),
        (("19-netns-helper", DHCPCD_OWN_HOOK),),
    ),
    Client("udhcpc", "/sbin/udhcpc", (), (), ("udhcpc.{}.pid",)),
)  # fmt: skip
# Client hooks that hand a lease's data to the host's daemons, by name without dhcpcd's NN- and
# .conf or .sh: resolvconf's (the host's resolv.conf), timesyncd's (the host's
# /run/systemd/timesyncd.conf.d, then a restart of it), ntp's, chrony's, openntpd's, and dhcpcd's
# 30-hostname (the UTS namespace is the host's: the host's hostname). Inside a namespace the client
# sees a copy of its hook directories without them; the lease's DNS then goes where the client
# script writes it by default, the namespace's resolv.conf.
HOST_DAEMON_HOOKS = frozenset(
    {"resolvconf", "resolved", "resolved-enter", "timesyncd", "ntp", "ntp-common", "ntpsec", "chrony", "openntpd",
     "hostname"}
)  # fmt: skip
_HOOK_NAME = r"(?:[0-9][0-9]-)?(?P<key>.+?)(?:\.conf|\.sh)?"  # compiled on first use: most starts need neither

# Stanzas for which ifupdown starts a DHCP client (inet6 auto: dhclient -6 -S with `dhcp 1`).
_DHCP_METHODS = frozenset({("inet", "dhcp"), ("inet6", "dhcp"), ("inet6", "auto")})
_PID_NAME = r"(?:dhclient6?|udhcpc)\.(?P<iface>.+)\.pid"


@value
class Bind:
    """Bind SOURCE (ours) over TARGET (the client's path); both are created when missing."""

    directory: bool
    source: str
    target: str


def dhcp_interfaces(config: Interfaces) -> tuple[str, ...]:
    """Interfaces of CONFIG for which ifupdown runs a DHCP client."""
    return tuple(dict.fromkeys(i.name for i in config.ifaces if (i.family, i.method) in _DHCP_METHODS))


def dhcpv6_problems(config: Interfaces, clients: frozenset[str]) -> list[Problem]:
    """What ifupdown (0.8.41 to 0.8.44) does with CONFIG's DHCPv6 when dhclient is not among CLIENTS.

    Its inet6 methods run dhclient -6 only: `inet6 dhcp` fails in ifup, and `dhcp 1` of `inet6 auto`
    (the stateless client, for DNS) is silently skipped. dhcpcd, which `inet dhcp` runs, does IPv6 itself.
    """
    if DHCLIENT.name in clients:
        return []
    found = []
    for iface in config.ifaces:
        if iface.family != "inet6":
            continue
        if iface.method == "dhcp":
            found.append(
                Problem(
                    ERROR,
                    f"{iface.name}: ifupdown runs no DHCPv6 client but dhclient, and {DHCLIENT.binary} is missing: "
                    "ifup would fail ('No DHCPv6 client software found!') (hint: install isc-dhcp-client, or use "
                    "`inet dhcp`, whose dhcpcd does IPv6 too)",
                    str(iface.loc),
                )
            )
        elif iface.method == "auto":
            found += [
                Problem(
                    WARNING,
                    f"{iface.name}: `dhcp 1` (stateless DHCPv6) runs only with dhclient, and {DHCLIENT.binary} is "
                    "missing: ifup skips it (hint: install isc-dhcp-client)",
                    str(opt.loc),
                )
                for opt in iface.values("dhcp")
                if opt.value == "1"
            ]
    return found


def interfaces_of_pid_files(names: frozenset[str]) -> tuple[str, ...]:
    """The interfaces whose private pid files start left in the namespace's run directory."""
    found = (re.fullmatch(_PID_NAME, name) for name in sorted(names))
    return tuple(dict.fromkeys(m["iface"] for m in found if m))


def binds(
    paths: Paths, netns: str, clients: frozenset[str], ifaces: tuple[str, ...], resolv_target: str | None = None
) -> tuple[Bind, ...]:
    """The private paths of NETNS bound over the state of the installed CLIENTS, for IFACES.

    RESOLV_TARGET: where the host's /etc/resolv.conf symlink leads (facts.resolv_conf_target).
    """
    lib, run = paths.dhcp_lib_dir(netns), paths.dhcp_run_dir(netns)
    out: list[Bind] = []
    for client in CLIENTS:
        if client.name not in clients:
            continue
        out.extend(Bind(True, f"{lib}/{d}", f"{paths.var_lib}/{d}") for d in client.lib_dirs)
        out.extend(Bind(True, f"{run}/{d}", f"{paths.run}/{d}") for d in client.run_dirs)
        out.extend(Bind(True, f"{run}/{copy}", host) for copy, host in _hook_dirs(paths, (client,)))
        names = [pattern.format(iface) for iface in ifaces for pattern in client.pid_files]
        out.extend(Bind(False, f"{run}/{name}", f"{paths.run}/{name}") for name in names)
    if out and resolv_target:
        # dhclient-script writes a lease's DNS through the symlink, its temporary file beside the
        # target: in the host resolver's directory (systemd-resolved's is not root's, and the unit
        # has no CAP_DAC_OVERRIDE: the script fails and the lease is declined). The client sees a
        # directory of the namespace's there instead, with the namespace's resolv.conf in it.
        out.append(Bind(True, f"{run}/resolv", os.path.dirname(resolv_target)))
        out.append(Bind(False, f"{paths.netns_etc(netns)}/resolv.conf", resolv_target))
    return tuple(out)


def hook_copies(
    paths: Paths, netns: str, clients: frozenset[str], hooks: tuple[tuple[str, str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """(path, content) of NETNS's copies of the CLIENTS' hook directories: the host's hooks (directory,
    name, content) that it keeps, and the clients' own_hooks."""
    installed = [client for client in CLIENTS if client.name in clients]
    dirs = {copy for copy, _ in _hook_dirs(paths, installed)}
    ours = [(_copy_name(c.hook_dirs[0]), name, content) for c in installed for name, content in c.own_hooks]
    run = paths.dhcp_run_dir(netns)
    return tuple(
        (f"{run}/{directory}/{name}", content if content.endswith("\n") else content + "\n")
        for directory, name, content in (*hooks, *ours)
        if directory in dirs and _hook_key(name) not in HOST_DAEMON_HOOKS
    )


def hook_dirs(paths: Paths, netns: str, clients: frozenset[str]) -> tuple[str, ...]:
    """NETNS's copies of the hook directories of CLIENTS, made by start (binds() mounts them)."""
    run = paths.dhcp_run_dir(netns)
    return tuple(f"{run}/{copy}" for copy, _ in host_hook_dirs(paths, clients))


def host_hook_dirs(paths: Paths, clients: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """(copy's name, the host's directory) of the hook directories of the installed CLIENTS."""
    return _hook_dirs(paths, [c for c in CLIENTS if c.name in clients])


def _hook_dirs(paths: Paths, clients: Iterable[Client]) -> tuple[tuple[str, str], ...]:
    return tuple((_copy_name(d), f"{getattr(paths, d[0])}/{d[1]}") for client in clients for d in client.hook_dirs)


def _hook_key(name: str) -> str:
    found = re.fullmatch(_HOOK_NAME, name)
    return found["key"] if found else name


def _copy_name(hook_dir: tuple[str, str]) -> str:
    return os.path.basename(hook_dir[1])
