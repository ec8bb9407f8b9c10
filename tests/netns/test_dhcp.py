# SPDX-License-Identifier: GPL-3.0-or-later
"""DHCP clients inside namespaces: each namespace's client state is its own (dnsmasq as the server).

The server runs in a namespace of the sandbox, on a bridge of the sandbox's root namespace (the
"host"); every namespace's NIC, and a NIC of the host with a DHCP client of its own, are ports of
that bridge. All of them are called eth0, the common case of one interface name everywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import TOOL, Host, ipj, sh, wait_for

SUBNET = "10.77.0"
SUBNET6 = "fd77"  # fd77::/64, for the DHCPv6 and RA tests (test_dhcp6.py)
DNS = "10.77.0.53"
# Renewal (option 58) and rebinding (59) times in seconds: renewals show within seconds.
T1, T2 = 2, 4

NS_DHCP = """\
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet dhcp
"""
CLIENT_PATHS = ("/run/dhclient.eth0.pid", "/run/dhcpcd", "/var/lib/dhcp", "/var/lib/dhcpcd")


# dnsmasq's DHCPv4 service: short leases, renewals within seconds, the namespace's DNS server.
V4_SERVICE = (
    f"--dhcp-range={SUBNET}.10,{SUBNET}.99,2m", f"--dhcp-option=58,{T1}", f"--dhcp-option=59,{T2}",
    f"--dhcp-option=6,{DNS}",
)  # fmt: skip


class Server:
    """dnsmasq in namespace `dhcpsrv`, serving bridge `dhcpbr` of the host; its log is the witness."""

    def __init__(self, scratch: Path, service: tuple[str, ...] = V4_SERVICE) -> None:
        self.log = scratch / "dnsmasq.log"
        self.peer = 0
        sh("ip", "netns", "add", "dhcpsrv")
        sh("ip", "link", "add", "dhcpbr", "type", "bridge")
        # The host only bridges: it takes no route from the server's router advertisements.
        sh("sysctl", "-q", "-w", "net.ipv6.conf.dhcpbr.accept_ra=0")
        sh("ip", "link", "set", "dhcpbr", "up")
        sh(
            "ip",
            "link",
            "add",
            "srvport",
            "master",
            "dhcpbr",
            "type",
            "veth",
            "peer",
            "name",
            "srv0",
            "netns",
            "dhcpsrv",
        )
        sh("ip", "link", "set", "srvport", "up")
        sh("ip", "-n", "dhcpsrv", "addr", "add", f"{SUBNET}.1/24", "dev", "srv0")
        sh("ip", "-n", "dhcpsrv", "addr", "add", f"{SUBNET6}::1/64", "dev", "srv0", "nodad")
        sh("ip", "-n", "dhcpsrv", "link", "set", "srv0", "up")
        sh(
            "ip", "netns", "exec", "dhcpsrv", "dnsmasq", "--conf-file=/dev/null", "--port=0", "--user=root",
            "--interface=srv0", "--bind-interfaces", *service,
            f"--dhcp-leasefile={scratch}/dnsmasq.leases", f"--pid-file={scratch}/dnsmasq.pid",
            "--log-dhcp", f"--log-facility={self.log}",
        )  # fmt: skip

    def nic(self) -> str:
        """A new NIC eth0 on the host, a port of the server's bridge; returns its MAC address."""
        self.peer += 1
        port = f"dhcpport{self.peer}"
        sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name", port)
        sh("ip", "link", "set", port, "master", "dhcpbr", "up")
        return str(ipj("link", "show", "dev", "eth0")[0]["address"])

    def acks(self, mac: str) -> int:
        return len(re.findall(rf"DHCPACK\(srv0\) \S+ {mac}", self.log.read_text()))


def serving(host: Host, service: tuple[str, ...] = V4_SERVICE) -> Iterator[Server]:
    """The server for a test; then ends it and the host's own clients (the host fixture the rest)."""
    server = Server(host.scratch, service)
    try:
        yield server
    finally:
        for pid_file in ("/run/dhclient.eth0.pid", "/run/dhclient6.eth0.pid"):
            if Path(pid_file).exists() and Path(pid_file).read_text().strip():
                sh("kill", Path(pid_file).read_text().strip(), check=False)
        sh("pkill", "-F", f"{host.scratch}/dnsmasq.pid", check=False)


@pytest.fixture
def server(host: Host) -> Iterator[Server]:
    yield from serving(host)


def _renews(server: Server, mac: str) -> None:
    """The client of MAC keeps renewing: two more DHCPACKs for it in the server's log.

    A generous bound: dhcpcd, with router advertisements and DHCPv6 on the same interface, was seen
    8 s apart between two renewals (T1 2 s) on a quiet machine.
    """
    seen = server.acks(mac)
    wait_for(lambda: server.acks(mac) >= seen + 2, timeout=15 * T1, what=f"renewals of {mac}")


def _client_pids(netns: str | None) -> set[str]:
    """Processes of the DHCP clients in NETNS (None: the host's own namespace)."""
    found = set()
    own = os.readlink("/proc/self/ns/net")
    for pid in sh("pgrep", "-x", "dhclient|dhcpcd", check=False).stdout.split():
        try:
            net = os.readlink(f"/proc/{pid}/ns/net")
        except FileNotFoundError:
            continue
        identified = sh("ip", "netns", "identify", pid, check=False)
        if identified.returncode != 0 and not os.path.exists(f"/proc/{pid}"):
            continue  # a helper that ended between pgrep and ip (they come and go)
        assert identified.returncode == 0, f"ip netns identify {pid}: {identified.stderr}"
        inside = identified.stdout.strip()
        if (netns is None and net == own) or (netns is not None and inside == netns):
            found.add(pid)
    return found


def _address(netns: str | None) -> str:
    where = ("-n", netns) if netns else ()
    addrs = [a["local"] for a in ipj(*where, "-4", "addr", "show", "dev", "eth0")[0]["addr_info"]]
    assert len(addrs) == 1 and addrs[0].startswith(SUBNET + "."), addrs
    return str(addrs[0])


# Each namespace's eth0 is the far end of a veth pair whose host end the host's own ifupdown puts on
# the server's bridge; the host's eth0 is a NIC of its own, on DHCP too.
HOST_FILE = """\
auto lo
iface lo inet loopback

link-netns a ha eth0
link-netns b hb eth0
iface ha inet manual
    pre-up ip link set dev ha master dhcpbr
    up ip link set dev ha up
iface hb inet manual
    pre-up ip link set dev hb master dhcpbr
    up ip link set dev hb up

iface eth0 inet dhcp
"""


def _mac(netns: str) -> str:
    return str(ipj("-n", netns, "link", "show", "dev", "eth0")[0]["address"])


def _leased(path: str) -> list[str]:
    return re.findall(r"fixed-address (\S+);", Path(path).read_text())


def test_same_named_dhcp_interfaces_keep_their_own_clients(host: Host, server: Server) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE)
    host.configure("a", NS_DHCP)
    host.configure("b", NS_DHCP)
    # dhclient-script's hooks: resolvconf's (the host's resolver) is left out inside, others run.
    for hook, marker in (("enter-hooks.d/resolvconf", "/run/resolvconf-hook"), ("exit-hooks.d/mine", "/run/my-hook")):
        Path(f"/etc/dhcp/dhclient-{hook}").write_text(f'echo "$interface $reason" >>{marker}\n')
    # The host ends have carrier before ifup runs inside: start does not wait for a DHCP timeout.
    host.tool("start", "a")
    host.tool("start", "b")
    assert Path("/run/my-hook").read_text().splitlines().count("eth0 BOUND") == 2
    assert not Path("/run/resolvconf-hook").exists()
    mac_a, mac_b, mac_h = _mac("a"), _mac("b"), server.nic()
    sh("ifup", "eth0")
    host_pid_file = Path("/run/dhclient.eth0.pid").read_text()
    clients = {name: _client_pids(name) for name in ("a", "b")} | {"host": _client_pids(None)}
    assert all(len(pids) == 1 for pids in clients.values()), clients
    addr_a, addr_b, addr_h = _address("a"), _address("b"), _address(None)
    # Each lease went to its namespace's private file; the host's file has the host's lease only.
    assert _leased("/var/lib/netns-helper/a/dhcp/dhclient.eth0.leases") == [addr_a]
    assert _leased("/var/lib/netns-helper/b/dhcp/dhclient.eth0.leases") == [addr_b]
    assert _leased("/var/lib/dhcp/dhclient.eth0.leases") == [addr_h]
    # The lease's DNS server is the namespace's, in the namespace's resolv.conf.
    assert f"nameserver {DNS}" in Path("/etc/netns/b/resolv.conf").read_text()
    assert Path("/run/resolvconf-hook").read_text().splitlines() == ["eth0 PREINIT", "eth0 BOUND"]  # the host's only

    host.tool("stop", "a")
    assert _client_pids("b") == clients["b"] and _client_pids(None) == clients["host"]
    assert Path("/run/dhclient.eth0.pid").read_text() == host_pid_file
    _renews(server, mac_b)
    _renews(server, mac_h)
    assert _address("b") == addr_b and _address(None) == addr_h

    # A restart keeps the namespace's lease: the same address again.
    host.tool("start", "a")
    assert _address("a") == addr_a and _mac("a") != mac_a  # a new veth, the same lease
    host.tool("stop", "a")
    host.tool("stop", "b")
    assert _client_pids(None) == clients["host"]
    _renews(server, mac_h)
    sh("ifdown", "eth0")
    assert _client_pids(None) == set()


def test_start_stop_cycles_leave_no_client_or_state(host: Host, server: Server) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE)
    host.configure("a", NS_DHCP)
    before = {path: sorted(os.listdir(path)) if os.path.isdir(path) else None for path in CLIENT_PATHS[1:]}
    for _ in range(20):
        host.tool("start", "a")
        assert len(_client_pids("a")) == 1
        host.tool("stop", "a")
        assert _client_pids("a") == set() and _client_pids(None) == set()
    assert not os.path.exists("/run/network/netns/a")
    assert sorted(os.listdir("/var/lib/netns-helper/a/dhcp")) == ["dhclient.eth0.leases"]
    # Nothing written into the host's own client state; empty mount points of the binds only.
    after = {path: sorted(os.listdir(path)) if os.path.isdir(path) else None for path in CLIENT_PATHS[1:]}
    assert after == before | {"/run/dhcpcd": []}
    assert Path("/run/dhclient.eth0.pid").read_text() == ""


@pytest.fixture
def dhcpcd_only() -> Iterator[None]:
    """ifupdown runs dhcpcd when /sbin/dhclient is not executable (trixie's default install)."""
    hidden = Path("/run/netns-helper-test-no-dhclient")
    hidden.write_text("")
    sh("mount", "--bind", str(hidden), os.path.realpath("/sbin/dhclient"))
    try:
        yield
    finally:
        sh("umount", os.path.realpath("/sbin/dhclient"))


def test_dhcpcd_clients_of_two_namespaces_are_their_own(host: Host, server: Server, dhcpcd_only: None) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE)
    host.configure("a", NS_DHCP)
    host.configure("b", NS_DHCP)
    host.tool("start", "a")
    host.tool("start", "b")
    a, b = _client_pids("a"), _client_pids("b")  # dhcpcd's privilege separation: several processes each
    assert a and b and not a & b
    assert _address("a") != _address("b")
    assert os.listdir("/var/lib/netns-helper/b/dhcpcd")
    assert not os.path.exists("/run/dhcpcd") or os.listdir("/run/dhcpcd") == []
    host.tool("stop", "a")
    assert _client_pids("b") == b
    _renews(server, _mac("b"))
    host.tool("stop", "b")
    assert _client_pids("b") == set()


# dhcpcd's hooks as the namespace's client sees them: no hostname, NTP, chrony, timesyncd hooks.
DHCPCD_KEPT_HOOKS = ["01-test", "19-netns-helper", "20-resolv.conf"]
NTP = "10.77.0.123"


def test_dhcpcd_hooks_reach_no_host_daemon(host: Host, dhcpcd_only: None) -> None:
    """A resolvconf on PATH is not called; the lease's DNS is in the namespace's resolv.conf only."""
    # The lease has DNS, NTP servers and a host name; dhcpcd asks for NTP servers too.
    service = (*V4_SERVICE, f"--dhcp-option=42,{NTP}", "--dhcp-host=*:*:*:*:*:*,leasedname")
    servers = serving(host, service)
    next(servers)
    try:
        with open("/etc/dhcpcd.conf", "a") as f:
            f.write("option ntp_servers\n")
        # A recording resolvconf where 20-resolv.conf's `command -v` finds one: the sandbox's own
        # /usr/local/sbin. /run/systemd/system: the timesyncd hook would act.
        sh("mount", "-t", "tmpfs", "tmpfs", "/usr/local/sbin")
        fake = Path("/usr/local/sbin/resolvconf")
        fake.write_text('#!/bin/sh\necho "$*" >>/run/resolvconf-called\ncat >/dev/null\n')
        fake.chmod(0o755)
        os.makedirs("/run/systemd/system")
        host_resolv = Path("/etc/resolv.conf").read_bytes()
        Path("/etc/network/interfaces").write_text(HOST_FILE)
        host.configure("a", NS_DHCP)
        # The tool, ifupdown and dhcpcd in a UTS namespace of their own, named as a fresh install
        # is ("localhost": 30-hostname would take the lease's name): the sandbox's hostname is the machine's.
        sh("unshare", "--uts", "sh", "-c", 'hostname localhost && exec "$0" start a', str(TOOL))
        wait_for(
            lambda: f"nameserver {DNS}" in Path("/etc/netns/a/resolv.conf").read_text(), timeout=30, what="lease DNS"
        )
        # dhcpcd's first process, chrooted by its privilege separation, and its privileged proxy,
        # which runs the hooks, outside the chroot; their helpers come and go.
        proxy = min(_unchrooted(_client_pids("a")), key=int)
        assert sorted(os.listdir(f"/proc/{proxy}/root/usr/lib/dhcpcd/dhcpcd-hooks")) == DHCPCD_KEPT_HOOKS
        assert not Path("/run/resolvconf-called").exists()
        assert not Path("/run/systemd/timesyncd.conf.d").exists()
        assert sh("nsenter", "--uts", "-t", proxy, "hostname").stdout.strip() == "localhost"
        host.tool("stop", "a")  # ifdown: dhcpcd's release runs the hooks again
        assert _client_pids("a") == set()
        assert not Path("/run/resolvconf-called").exists()
        assert Path("/etc/resolv.conf").read_bytes() == host_resolv
        assert not Path("/run/systemd/timesyncd.conf.d").exists()
    finally:
        sh("umount", "/usr/local/sbin", check=False)
        next(servers, None)


def _unchrooted(pids: set[str]) -> list[str]:
    found = []
    for pid in pids:
        try:
            if os.readlink(f"/proc/{pid}/root") == "/":
                found.append(pid)
        except FileNotFoundError:
            continue  # a helper that is gone
    return found
