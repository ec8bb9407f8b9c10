# SPDX-License-Identifier: GPL-3.0-or-later
"""`publish` and `unpublish`: a namespaced service's TCP port, reachable on the host without a veth or NAT.

`publish SERVICE [ADDRESS:]PORT [TARGET:PORT]` writes two units into /etc/systemd/system:

- `netns-publish-NETNS-PORT.socket`, a listening socket in the host's namespace (systemd
  makes it, in PID 1's namespace), enabled for sockets.target;
- `netns-publish-NETNS-PORT.service`, `systemd-socket-proxyd TARGET` running in the
  service's namespace NETNS (`NetworkNamespacePath=`, bound to systemd-netns@NETNS.service as
  the drop-in binds a service). systemd hands it the host's listening socket; it accepts
  there and connects to TARGET (default 127.0.0.1:PORT) inside the namespace.

The namespace needs no route to the host: the socket was made in the host's namespace, the
connection to TARGET in the service's. When the namespace restarts, the proxy stops with it
and the socket stays: the next connection starts the proxy again. `unpublish SERVICE PORT`
removes both. A file is ours when it holds exactly what publish writes.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass

from .commands import Plan, RemoveFile, Run, Step, WriteFile
from .dropins import DROPIN, SYSTEMCTL, _read, dropin_dir, inspect, service_name
from .errors import ConfigError
from .facts import Paths
from .names import check_netns_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .runtime import Context

PROXYD = "/lib/systemd/systemd-socket-proxyd"  # also under /usr/lib on merged-/usr systems (all of Debian 13)
PREFIX = "netns-publish-"
_HEADER = "# Written by netns-helper publish; remove with: netns-helper unpublish {service} {port}\n"
_LISTEN_RE = re.compile(r"^ListenStream=(.+)$", re.MULTILINE)
_TARGET_RE = re.compile(r"^ExecStart=\S+ (\S+)$", re.MULTILINE)
_SERVICE_RE = re.compile(
    r"^# Written by netns-helper publish; remove with: netns-helper unpublish (\S+) ", re.MULTILINE
)
_TCP_LISTEN = "0A"


@dataclass(frozen=True)
class Endpoint:
    """An address (None: every address of the host) and a TCP port."""

    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    port: int

    def __str__(self) -> str:
        if self.address is None:
            return str(self.port)
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Published:
    """A port publish wrote: where the host listens, where the proxy connects, in which namespace."""

    service: str
    netns: str
    listen: str
    target: str
    unit: str  # the socket unit


def endpoint(word: str, what: str, address_required: bool = False) -> Endpoint:
    """`PORT`, `ADDRESS:PORT` or `[IPV6]:PORT`."""
    host, sep, port = word.rpartition(":")
    if not sep and address_required:
        raise ConfigError(f"{what} {word!r} needs an address: ADDRESS:PORT (127.0.0.1:80, [::1]:80)")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(f"{what} {word!r}: the port must be a number from 1 to 65535")
    address = None
    if sep:
        text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise ConfigError(f"{what} {word!r}: {host!r} is not an IP address") from None
        if address.version == 6 and not host.startswith("["):
            raise ConfigError(f"{what} {word!r}: write an IPv6 address in brackets, [{address}]:{port}")
    return Endpoint(address, int(port))


def unit_base(netns: str, port: int) -> str:
    return f"{PREFIX}{netns}-{port}"


def socket_unit(service: str, netns: str, listen: Endpoint) -> str:
    return (
        _HEADER.format(service=service, port=listen.port)
        + f"[Unit]\nDescription=Port {listen} of {service} in namespace {netns} (netns-helper)\n"
        "Documentation=man:netns-helper(8)\n\n"
        f"[Socket]\nListenStream={listen}\n\n"
        "[Install]\nWantedBy=sockets.target\n"
    )


def proxy_unit(service: str, netns: str, listen: Endpoint, target: Endpoint) -> str:
    base = unit_base(netns, listen.port)
    namespace = f"systemd-netns@{netns}.service"
    return (
        _HEADER.format(service=service, port=listen.port)
        + f"[Unit]\nDescription=Proxy of port {listen} to {target} in namespace {netns} (netns-helper)\n"
        "Documentation=man:netns-helper(8)\n"
        f"Requires={base}.socket\nAfter={base}.socket\n"
        f"BindsTo={namespace}\nAfter={namespace}\n"
        f"Wants={service}.service\nAfter={service}.service\n\n"
        f"[Service]\nExecStart={PROXYD} {target}\n"
        f"NetworkNamespacePath=/run/netns/{netns}\n"
        "DynamicUser=yes\nPrivateTmp=yes\nNoNewPrivileges=yes\n"
    )


def _namespace_of(paths: Paths, service: str) -> str:
    """The namespace SERVICE runs in: the one its drop-in names, else its own."""
    found = inspect(f"{dropin_dir(paths, service)}/{DROPIN}")
    netns = found.netns if found is not None and found.netns is not None else check_netns_name(service)
    if not os.path.isfile(paths.netns_interfaces(netns)):
        raise ConfigError(
            f"{paths.netns_interfaces(netns)}: no such file: {service} has no namespace to publish from",
            hint=f"configure namespace {netns} and run {service} in it first: netns-helper enable {service}",
        )
    return netns


def listeners(proc_net: str = "/proc/net") -> set[tuple[str, int]]:
    """(address, port) of the TCP sockets listening in this namespace, from /proc (no process)."""
    found: set[tuple[str, int]] = set()
    for name, version in (("tcp", 4), ("tcp6", 6)):
        try:
            with open(f"{proc_net}/{name}") as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            words = line.split()
            if len(words) < 4 or words[3] != _TCP_LISTEN:
                continue
            hex_address, _, hex_port = words[1].partition(":")
            raw = bytes.fromhex(hex_address)
            # /proc prints each 32-bit word of the address in host (little-endian) order.
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            address = ipaddress.IPv4Address(packed) if version == 4 else ipaddress.IPv6Address(packed)
            found.add((str(address), int(hex_port, 16)))
    return found


def _taken(listen: Endpoint, proc_net: str) -> str | None:
    """Who listens on LISTEN's port already, in a way that a new listener there would clash with."""
    wildcards = {"0.0.0.0", "::"}
    for address, port in sorted(listeners(proc_net)):
        if port != listen.port:
            continue
        if listen.address is None or address in wildcards or address == str(listen.address):
            return f"{address}:{port}" if ":" not in address else f"[{address}]:{port}"
    return None


def _reload_steps(paths: Paths) -> list[Step]:
    return [Step(Run((SYSTEMCTL, "daemon-reload")))] if paths.systemd_booted else []


def plan_publish(
    paths: Paths, service: str, listen: Endpoint, target: Endpoint | None, proc_net: str = "/proc/net"
) -> Plan:
    netns = _namespace_of(paths, service)
    target = target or Endpoint(ipaddress.IPv4Address("127.0.0.1"), listen.port)
    base = f"{paths.systemd_dir}/{unit_base(netns, listen.port)}"
    texts = {
        f"{base}.socket": socket_unit(service, netns, listen),
        f"{base}.service": proxy_unit(service, netns, listen, target),
    }
    title = f"publish {service} {listen}"
    present = {path: _read(path) for path in texts if os.path.lexists(path)}
    if present == texts:
        return Plan(title, (), (f"{base}.socket and .service are in place already",))
    for path, text in present.items():
        if _SERVICE_RE.search(text) is None:
            raise ConfigError(f"{path} is a file netns-helper did not write", hint="move it away first")
        raise ConfigError(
            f"port {listen.port} of namespace {netns} is published already, otherwise ({path})",
            hint=f"netns-helper unpublish {service} {listen.port} first",
        )
    holder = _taken(listen, proc_net)
    if holder is not None:
        raise ConfigError(
            f"{holder} is listened on already on this host: cannot publish {listen} there",
            hint="pick another port or address (ss -tlnp shows who listens)",
        )
    reload = [Run((SYSTEMCTL, "daemon-reload"))] if paths.systemd_booted else []
    socket = f"{unit_base(netns, listen.port)}.socket"
    steps = [
        Step(WriteFile(f"{base}.socket", texts[f"{base}.socket"]), undo=(RemoveFile(f"{base}.socket"), *reload)),
        Step(WriteFile(f"{base}.service", texts[f"{base}.service"]), undo=(RemoveFile(f"{base}.service"),)),
        *_reload_steps(paths),
    ]
    notes: list[str] = []
    if paths.systemd_booted:
        steps.append(
            Step(
                Run((SYSTEMCTL, "enable", "--now", socket)),
                undo=(Run((SYSTEMCTL, "disable", "--now", socket)),),
                undo_if_failed=True,
            )
        )
    else:
        steps.append(Step(Run((SYSTEMCTL, "enable", socket))))
        notes.append(f"systemd is not running here: {socket} listens from its next start")
    return Plan(title, tuple(steps), tuple(notes))


def plan_unpublish(paths: Paths, service: str, port: int) -> Plan:
    netns = _namespace_of(paths, service)
    base = f"{paths.systemd_dir}/{unit_base(netns, port)}"
    title = f"unpublish {service} {port}"
    present = [path for path in (f"{base}.socket", f"{base}.service") if os.path.lexists(path)]
    if not present:
        return Plan(title, (), (f"port {port} of {service} is not published: nothing to do",))
    for path in present:
        if os.path.islink(path) or _SERVICE_RE.search(_read(path)) is None:
            raise ConfigError(f"{path} is a file netns-helper did not write", hint="remove it yourself")
    name = unit_base(netns, port)
    steps: list[Step] = []
    if paths.systemd_booted:
        steps += [
            Step(Run((SYSTEMCTL, "disable", "--now", f"{name}.socket"))),
            Step(Run((SYSTEMCTL, "stop", f"{name}.service"))),
        ]
    elif f"{base}.socket" in present:
        steps.append(Step(Run((SYSTEMCTL, "disable", f"{name}.socket"))))
    steps += [Step(RemoveFile(path)) for path in present]
    steps += _reload_steps(paths)
    return Plan(title, tuple(steps))


def published(paths: Paths) -> dict[str, tuple[Published, ...]]:
    """Namespace -> the ports publish wrote for it (status)."""
    found: dict[str, list[Published]] = {}
    try:
        names = sorted(n for n in os.listdir(paths.systemd_dir) if n.startswith(PREFIX) and n.endswith(".socket"))
    except FileNotFoundError:
        return {}
    for name in names:
        base = f"{paths.systemd_dir}/{name.removesuffix('.socket')}"
        try:
            socket, proxy = _read(f"{base}.socket"), _read(f"{base}.service")
        except ConfigError:
            continue
        service, listen = _SERVICE_RE.search(socket), _LISTEN_RE.search(socket)
        target, netns = _TARGET_RE.search(proxy), re.search(r"^NetworkNamespacePath=/run/netns/(\S+)$", proxy, re.M)
        if service and listen and target and netns:
            found.setdefault(netns[1], []).append(Published(service[1], netns[1], listen[1], target[1], name))
    return {netns: tuple(items) for netns, items in found.items()}


def run(ctx: Context, opts: Args) -> int:
    from .runtime import run_plan

    service = service_name(opts.operands[0])
    if opts.command == "publish":
        listen = endpoint(opts.operands[1], "port")
        target = endpoint(opts.operands[2], "target", address_required=True) if len(opts.operands) > 2 else None
        plan = plan_publish(ctx.paths, service, listen, target)
    else:
        plan = plan_unpublish(ctx.paths, service, endpoint(opts.operands[1], "port").port)
    return run_plan(ctx, plan)
