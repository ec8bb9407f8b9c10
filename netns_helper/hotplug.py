# SPDX-License-Identifier: GPL-3.0-or-later
"""`hotplug add|remove IFACE`: a device that a running namespace claims with `allow-hotplug` joins it.

udev runs `hotplug add` for every network device that appears on the host, so the common
case, a device no running namespace claims, is decided from the configuration files alone,
without a process and without a lock.

For a claimed device, under the namespace's lock, the device is moved in at once: udev runs
this before ifupdown's own hot-plug helper, so the host's `ifup@` finds nothing to configure.
Then `ifup --allow=hotplug IFACE` runs inside, with the namespace's state directory, after
an `ifdown --force` if ifupdown there still has a previous device of that name up. On a
system run by systemd, that part runs in `netns-helper-hotplug@IFACE.service` (`add --here`):
udev kills whatever its programs leave running (a DHCP client) when the event is done, and
its sandbox cannot enter a namespace. A restart of the unit ends the old device's processes.

`remove` takes IFACE out of ifupdown inside (`ifdown --force`): the unit's ExecStop. udev
cannot run it when a device vanishes from a namespace: the kernel sends a network device's
events only into the namespace it is in. Leaving the host, the device sends one, even when
moved in by `add`, so that event says nothing and nothing runs for it. Instead the unit's
main process, `watch`, listens to the kernel's events inside the namespace and returns when
IFACE leaves it: the unit stops, runs `remove`, and what ifup left running ends with it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from . import iproute, record
from .commands import OnError, Plan, Run, Step
from .errors import EXIT_FAILED, ConfigError
from .facts import Paths, list_namespaces
from .interfaces import parse_file
from .ipjson import links as parse_links
from .names import check_ifname

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .facts import Query
    from .ipjson import Link
    from .runtime import Context

UNIT = "netns-helper-hotplug@{}.service"
HERE = "--here"


class Ambiguous(Exception):
    """More than one running namespace claims the device."""


def claimant(paths: Paths, iface: str) -> str | None:
    """The running namespace whose configuration says `allow-hotplug IFACE`, if any."""
    found = []
    for netns in sorted(list_namespaces(paths)):
        path = paths.netns_interfaces(netns)
        if not os.path.isfile(path):
            continue
        try:
            config = parse_file(path)
        except ConfigError as e:
            sys.stderr.write(f"netns-helper: warning: ignoring namespace {netns}: {e}\n")
            continue
        if any(name == iface for name, _ in config.allowed("hotplug")):
            found.append(netns)
    if len(found) > 1:
        raise Ambiguous(f"{iface} is claimed by allow-hotplug in more than one running namespace: {', '.join(found)}")
    return found[0] if found else None


def configured(paths: Paths, netns: str, iface: str) -> bool:
    """Whether ifupdown's state for NETNS has IFACE up (ifupdown empties ifstate.IFACE at ifdown)."""
    try:
        with open(f"{paths.state_dir(netns)}/ifstate.{iface}", encoding="utf-8") as f:
            return bool(f.read().strip())
    except FileNotFoundError:
        return False


@dataclass(frozen=True)
class Where:
    """Where the device is now, and what ifupdown inside the namespace believes."""

    on_host: bool
    inside: bool
    configured: bool  # ifupdown's state inside has it up
    host_link: Link | None = None  # the device on the host (ON_HOST), as the record keeps it


def where(paths: Paths, netns: str, iface: str, query: Query) -> Where:
    """Only when IFACE is not on the host is the namespace looked into (udev's sandbox cannot)."""
    host_link = parse_links(query(iproute.query_links())).get(iface)
    on_host = host_link is not None
    inside = not on_host and iface in parse_links(query(iproute.query_links(netns)))
    return Where(on_host, inside, configured(paths, netns, iface), host_link)


def unit_escape(iface: str) -> str:
    """IFACE as a unit's instance name, as `systemd-escape` writes it."""
    out = []
    for i, ch in enumerate(iface):
        if (ch.isascii() and ch.isalnum()) or ch in ":_" or (ch == "." and i > 0):
            out.append(ch)
        else:
            out.append("".join(f"\\x{b:02x}" for b in ch.encode()))
    return "".join(out)


def _down(paths: Paths, netns: str, iface: str) -> Step:
    # --force: the device is gone (or a new one has its name); ifdown still runs the down
    # hooks (a DHCP client is ended) and empties the state.
    return Step(iproute.ifupdown(netns, paths.state_dir(netns), "ifdown", "--force", iface), OnError.REPORT)


def plan_add(paths: Paths, netns: str, iface: str, now: Where, here: bool, rec: record.Record | None = None) -> Plan:
    """Bring IFACE into NETNS and up there; HERE: run ifup in this process, not in the unit.

    The device joins NETNS's record REC first (what start did, and hot-plug since): stop gives it back.
    """
    title = f"hotplug add {iface}"
    state = paths.state_dir(netns)
    if not now.on_host and not now.inside:
        return Plan(title, (), (f"{iface} is neither on the host nor in namespace {netns}: nothing to do",))
    steps: list[Step] = []
    if now.on_host:
        if rec is not None and now.host_link is not None:
            steps.append(Step(record.write(state, record.with_moved(rec, now.host_link))))
        steps.append(Step(iproute.link_to_netns(iface, netns), undo=(iproute.link_to_self(netns, iface),)))
    if paths.systemd_booted and not here:
        steps.append(Step(Run(("systemctl", "--no-block", "restart", UNIT.format(unit_escape(iface))))))
    else:
        if now.configured:
            steps.append(_down(paths, netns, iface))  # a previous device of that name, or this one
        up = iproute.ifupdown(netns, state, "ifup", "--allow=hotplug", iface)
        down = iproute.ifupdown(netns, state, "ifdown", "--force", iface)
        steps.append(Step(up, undo=(down,), undo_if_failed=True))
    return Plan(title, tuple(steps), (f"{iface} is claimed by namespace {netns} (allow-hotplug)",))


def plan_remove(paths: Paths, netns: str, iface: str, now: Where) -> Plan:
    """Take IFACE out of ifupdown inside NETNS (where the device stays, if it is there: stop returns it)."""
    title = f"hotplug remove {iface}"
    if not now.configured:
        return Plan(title, (), (f"ifupdown in namespace {netns} has no state for {iface}: nothing to clean up",))
    return Plan(title, (_down(paths, netns, iface),))


# The kernel's device events (NETLINK_KOBJECT_UEVENT, group 1), as a namespace's own sockets receive them.
_NETLINK_KOBJECT_UEVENT = 15
_CLONE_NEWNET = 0x40000000


def enter_netns(path: str) -> None:
    """Move this process into the network namespace at PATH (os.setns is Python 3.12's)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if hasattr(os, "setns"):
            os.setns(fd, _CLONE_NEWNET)
        else:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.setns(fd, _CLONE_NEWNET) != 0:
                errno = ctypes.get_errno()
                raise OSError(errno, f"setns({path}): {os.strerror(errno)}")
    finally:
        os.close(fd)


def left(message: bytes, iface: str) -> bool:
    """Whether a kernel event says network device IFACE left this namespace (deleted, moved out, renamed)."""
    fields = dict(f.partition("=")[::2] for f in message.decode(errors="replace").split("\0")[1:] if "=" in f)
    if fields.get("SUBSYSTEM") != "net":
        return False
    if fields.get("ACTION") == "remove":
        return fields.get("INTERFACE") == iface
    return fields.get("ACTION") == "move" and fields.get("DEVPATH_OLD", "").endswith(f"/net/{iface}")


def _watch(ctx: Context, netns: str, iface: str) -> int:
    """Return once IFACE has left NETNS: the main process of netns-helper-hotplug@IFACE.service.

    It runs inside NETNS, where the kernel sends the device's events (and where stop ends it);
    when it returns, the unit stops: its ExecStop clears ifupdown's state, and what ifup
    started for the device ends with the unit.
    """
    import socket

    enter_netns(f"{ctx.paths.run_netns}/{netns}")
    with socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, _NETLINK_KOBJECT_UEVENT) as events:
        events.bind((0, 1))
        # Listening already: a device that leaves from now on is seen.
        if iface not in parse_links(ctx.executor.query(iproute.query_links())):
            sys.stderr.write(f"netns-helper: {iface} is not in namespace {netns}\n")
            return 0
        while not left(events.recv(65536), iface):
            pass
    sys.stderr.write(f"netns-helper: {iface} left namespace {netns}\n")
    return 0


def run(ctx: Context, opts: Args) -> int:
    from . import lock
    from .runtime import PROG, run_plan

    verb, iface = opts.operands
    if verb not in ("add", "remove", "watch"):
        raise ConfigError(f"hotplug: unknown action {verb!r} (add, remove or watch)")
    check_ifname(iface)
    if HERE in opts.flags and verb != "add":
        raise ConfigError(f"hotplug: {HERE} goes with add only")
    try:
        netns = claimant(ctx.paths, iface)
        if netns is None:  # the common case, silent: udev runs this for every device
            unclaimed = Plan(f"hotplug {verb} {iface}", (), (f"no running namespace claims {iface}: nothing to do",))
            return run_plan(ctx, unclaimed) if ctx.print_commands else 0
        if verb == "watch" and not ctx.print_commands:
            return _watch(ctx, netns, iface)
        if ctx.print_commands:
            return run_plan(ctx, _plan(ctx, verb, netns, iface, HERE in opts.flags))
        with lock.locked(ctx.paths, netns):
            # Decided again under the lock: a stop may have ended the namespace meanwhile.
            if claimant(ctx.paths, iface) != netns:
                return 0
            return run_plan(ctx, _plan(ctx, verb, netns, iface, HERE in opts.flags))
    except (Ambiguous, lock.Busy) as e:
        sys.stderr.write(f"{PROG}: hotplug {verb} {iface}: {e}\n")
        return EXIT_FAILED


def _plan(ctx: Context, verb: str, netns: str, iface: str, here: bool) -> Plan:
    """The plan of VERB; for `watch`, what it runs once IFACE has left."""
    if verb == "add":
        now = where(ctx.paths, netns, iface, ctx.executor.query)
        # Quietly: without a record (an older version's start), stop goes by the configuration, which claims IFACE.
        rec = record.read(ctx.paths.state_dir(netns), netns, quiet=True) if now.on_host else None
        return plan_add(ctx.paths, netns, iface, now, here, rec)
    return plan_remove(ctx.paths, netns, iface, Where(False, False, configured(ctx.paths, netns, iface)))
