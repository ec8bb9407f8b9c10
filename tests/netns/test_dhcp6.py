# SPDX-License-Identifier: GPL-3.0-or-later
"""IPv6 inside namespaces: `inet6 dhcp` (dhclient -6), dhcpcd's own IPv6, `inet6 auto` (SLAAC).

The wiring of test_dhcp.py: dnsmasq in namespace `dhcpsrv` on the host's bridge `dhcpbr`, every
namespace's NIC (and the host's own NIC) called eth0. Here dnsmasq also serves DHCPv6 and sends
router advertisements. A DHCPv6 client is known by its DUID: two namespaces that shared a DUID
file would be one client to the server, and get one address between them.

dnsmasq raises any lease below two minutes to two minutes (client-requested lifetimes too), and
sends T1 = half the shortest lifetime in its Reply to a Request (T2 = 7/8): dhclient -6 renews
after a minute, not within seconds. So the test of same-named clients runs one namespace's twenty
start/stop cycles while the other namespace's and the host's clients wait for their T1, then sees
their Renews in the server's log. dhcpcd's renewals show on its IPv4 lease (option 58, 2 s).
"""

from __future__ import annotations

import glob
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Host, ipj, sh, wait_for
from .test_dhcp import HOST_FILE, NS_DHCP, SUBNET6, V4_SERVICE, Server, _client_pids, _mac, _renews, serving
from .test_dhcp import dhcpcd_only as dhcpcd_only  # a fixture of this module too

# Stateful DHCPv6 (the RA's M flag, no SLAAC), with the namespace's DNS server.
DNS6 = f"{SUBNET6}::53"
RA = ("--enable-ra", "--ra-param=srv0,4,60")
V6_SERVICE = (f"--dhcp-range={SUBNET6}::100,{SUBNET6}::1ff,64,2m", f"--dhcp-option=option6:dns-server,[{DNS6}]", *RA)
# SLAAC (the RA's A flag) with stateless DHCPv6 for the other settings (the O flag).
SLAAC_SERVICE = (f"--dhcp-range={SUBNET6}::,ra-stateless,64,2m", f"--dhcp-option=option6:dns-server,[{DNS6}]", *RA)

NS_DHCP6 = NS_DHCP.replace("inet dhcp", "inet6 dhcp")
# The host file of test_dhcp.py, with the host's own eth0 on DHCPv6.
HOST_FILE6 = HOST_FILE.replace("iface eth0 inet dhcp", "iface eth0 inet6 dhcp")
assert HOST_FILE6 != HOST_FILE and NS_DHCP6 != NS_DHCP


@pytest.fixture
def server6(host: Host) -> Iterator[Server]:
    yield from serving(host, V6_SERVICE)


def _addresses6(netns: str | None) -> list[str]:
    """The global IPv6 addresses of eth0 in NETNS (None: the host's)."""
    where = ("-n", netns) if netns else ()
    info = ipj(*where, "-6", "addr", "show", "dev", "eth0", "scope", "global")
    return sorted(str(a["local"]) for a in (info[0]["addr_info"] if info else []) if "local" in a)


def _address6(netns: str | None) -> str:
    """The one DHCPv6 address of eth0 in NETNS, waited for (the client's DAD may still run)."""
    wait_for(lambda: len(_addresses6(netns)) == 1, timeout=20, what=f"a DHCPv6 address in {netns or 'the host'}")
    addr = _addresses6(netns)[0]
    assert addr.startswith(SUBNET6 + "::"), addr
    return addr


def _lease6(path: str) -> tuple[str, list[str]]:
    """dhclient -6's lease file: its DUID (as the server logs it) and its addresses."""
    text = Path(path).read_text()
    ids = set(re.findall(r"option dhcp6\.client-id ([0-9a-f:]+);", text))
    assert len(ids) == 1, text
    duid = ":".join(f"{int(octet, 16):02x}" for octet in ids.pop().split(":"))
    return duid, sorted(set(re.findall(r"iaaddr (\S+) \{", text)))


def _replies(server: Server) -> set[tuple[str, str]]:
    """(address, DUID) of every DHCPv6 reply in the server's log."""
    return set(re.findall(r"DHCPREPLY\(srv0\) (\S+) ([0-9a-f:]+)", server.log.read_text()))


def _released(server: Server) -> set[str]:
    """DUIDs that sent a DHCPv6 Release."""
    return set(re.findall(r"DHCPRELEASE\(srv0\) ([0-9a-f:]+)", server.log.read_text()))


def _renewed(server: Server) -> dict[str, set[str]]:
    """DUID: the addresses of the server's replies to its DHCPv6 Renews (a reply shares its Renew's xid)."""
    text = server.log.read_text()
    renews = set(re.findall(r" (\d+) DHCPRENEW\(srv0\) ([0-9a-f:]+)", text))
    found: dict[str, set[str]] = {}
    for xid, address, duid in re.findall(r" (\d+) DHCPREPLY\(srv0\) (\S+) ([0-9a-f:]+)", text):
        if (xid, duid) in renews:
            found.setdefault(duid, set()).add(address)
    return found


def _accept_ra() -> dict[str, str]:
    """The host's net.ipv6.conf.*.accept_ra and autoconf, every device's and all's and default's."""
    return {path: Path(path).read_text() for pattern in ("accept_ra", "autoconf") for path in
            sorted(glob.glob(f"/proc/sys/net/ipv6/conf/*/{pattern}"))}  # fmt: skip


def _unchanged(before: dict[str, str]) -> bool:
    """The host's accept_ra and autoconf as BEFORE, for the devices it had then (start adds veth ends)."""
    now = _accept_ra()
    return {path: now.get(path) for path in before} == before


def _snapshot(host: Host) -> dict[str, Any]:
    """host.snapshot(), without what the host's own eth0 learns from router advertisements, which come and go.

    That is the routes of protocol `ra` (the default route) and the countdown of a route's lifetime.
    """
    snapshot = host.snapshot()
    routes = [json.loads(route) for route in snapshot["routes"]]
    steady = [{k: v for k, v in route.items() if k != "expires"} for route in routes if route.get("protocol") != "ra"]
    return snapshot | {"routes": sorted(json.dumps(route, sort_keys=True) for route in steady)}


def _alive(pids: set[str]) -> bool:
    return all(os.path.exists(f"/proc/{pid}") for pid in pids)


def test_dhcpv6_clients_of_same_named_interfaces_are_their_own(host: Host, server6: Server) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE6)
    host.configure("a", NS_DHCP6)
    host.configure("b", NS_DHCP6)
    server6.nic()
    sh("sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_ra=0")  # the host's eth0: ifup inside must not change it
    ra_before = _accept_ra()
    host.tool("start", "a")
    host.tool("start", "b")
    assert _unchanged(ra_before)
    sh("ifup", "eth0")  # ifupdown sets the host's own eth0's accept_ra (1 for inet6 dhcp)
    ra_before = {path: value for path, value in _accept_ra().items() if path in ra_before}
    clients = {name: _client_pids(name) for name in ("a", "b")} | {"host": _client_pids(None)}
    assert all(len(pids) == 1 for pids in clients.values()), clients
    addr = {name: _address6(None if name == "host" else name) for name in clients}
    assert len(set(addr.values())) == 3, addr
    # Each namespace's lease, with its own DUID, in its private file; the host's in the host's.
    lease_files = {
        "a": "/var/lib/netns-helper/a/dhcp/dhclient6.eth0.leases",
        "b": "/var/lib/netns-helper/b/dhcp/dhclient6.eth0.leases",
        "host": "/var/lib/dhcp/dhclient6.eth0.leases",
    }
    leases = {name: _lease6(path) for name, path in lease_files.items()}
    assert {name: lease[1] for name, lease in leases.items()} == {name: [a] for name, a in addr.items()}
    duid = {name: lease[0] for name, lease in leases.items()}
    assert len(set(duid.values())) == 3, duid
    # The server saw three clients, each with its own address.
    wait_for(lambda: {(addr[name], duid[name]) for name in clients} <= _replies(server6), what="three clients' replies")
    leased = time.monotonic()
    pid_files = {
        "a": "/run/network/netns/a/dhcp/dhclient6.eth0.pid",
        "b": "/run/network/netns/b/dhcp/dhclient6.eth0.pid",
        "host": "/run/dhclient6.eth0.pid",
    }
    assert {name: {Path(path).read_text().strip()} for name, path in pid_files.items()} == clients
    assert f"nameserver {DNS6}" in Path("/etc/netns/b/resolv.conf").read_text()

    host.tool("stop", "a")
    # a's client released its own lease and ended; b's and the host's still run, with their leases.
    wait_for(lambda: duid["a"] in _released(server6), what="a's Release in the server's log")
    assert not _released(server6) & {duid["b"], duid["host"]}
    assert _client_pids("a") == set()
    assert _client_pids("b") == clients["b"] and _client_pids(None) == clients["host"] and _alive(clients["b"])
    assert {Path(pid_files[name]).read_text().strip() for name in ("b", "host")} == clients["b"] | clients["host"]
    assert _addresses6("b") == [addr["b"]] and _addresses6(None) == [addr["host"]]

    # A restart asks again as the same client (a's DUID, from its private lease file) and gets its
    # address back. The new veth has a new MAC, so dhclient also asks for a new IAID: two addresses.
    host.tool("start", "a")
    wait_for(lambda: addr["a"] in _addresses6("a"), timeout=20, what="a's address again")
    assert _lease6(lease_files["a"])[0] == duid["a"]
    wait_for(lambda: {(a, duid["a"]) for a in _addresses6("a")} <= _replies(server6), what="replies to a's DUID")
    host.tool("stop", "a")

    # Twenty start/stop cycles of a, while b's and the host's clients run (each start waits for DAD
    # and DHCPv6's Solicit delays, each stop for a Release: about as long as the others' T1).
    before = _snapshot(host)
    lib = sorted(os.listdir("/var/lib/dhcp"))
    for _ in range(20):
        host.tool("start", "a")
        assert len(_client_pids("a")) == 1
        assert _lease6(lease_files["a"])[0] == duid["a"]  # one client across restarts
        host.tool("stop", "a")
        assert _client_pids("a") == set()
        assert _client_pids("b") == clients["b"] and _client_pids(None) == clients["host"]
        assert sorted(os.listdir("/var/lib/dhcp")) == lib
        assert _lease6(lease_files["host"])[0] == duid["host"]
    assert _snapshot(host) == before
    assert not os.path.exists("/run/network/netns/a")
    assert sorted(os.listdir("/var/lib/netns-helper/a/dhcp")) == ["dhclient6.eth0.leases"]

    # dnsmasq's T1 is half the lease (two minutes at least): b and the host renew, each with its
    # own DUID and address, a minute after their leases; a stopped client never does.
    wait_for(
        lambda: {duid["b"]: {addr["b"]}, duid["host"]: {addr["host"]}}.items() <= _renewed(server6).items(),
        timeout=max(leased + 150 - time.monotonic(), 5),
        what="renewals of b's and the host's DHCPv6 leases",
    )
    assert duid["a"] not in _renewed(server6)
    assert not _released(server6) & {duid["b"], duid["host"]}
    assert _lease6(lease_files["b"]) == leases["b"] and _lease6(lease_files["host"]) == leases["host"]
    assert _addresses6("b") == [addr["b"]] and _addresses6(None) == [addr["host"]]
    host.tool("stop", "b")
    assert _client_pids("b") == set() and not _released(server6) & {duid["host"]}
    assert _client_pids(None) == clients["host"]
    sh("ifdown", "eth0")
    assert _client_pids(None) == set()
    assert _unchanged(ra_before)


def _ifup_plan(tmp_path: Path) -> dict[str, str]:
    """What the real ifup would run (--no-act) for `inet6 dhcp` (eth0) and `inet6 auto` + `dhcp 1` (eth1)."""
    path = tmp_path / "interfaces"
    path.write_text("iface eth0 inet6 dhcp\niface eth1 inet6 auto\n  dhcp 1\n")
    (tmp_path / "state").mkdir(exist_ok=True)
    plans = {}
    for dev in ("eth0", "eth1"):
        proc = sh("ifup", "--no-act", "-i", str(path), f"--state-dir={tmp_path}/state", dev, check=False)
        plans[dev] = proc.stdout + proc.stderr
    return plans


def test_ifupdown_runs_dhclient_for_dhcpv6(host: Host, tmp_path: Path) -> None:
    plans = _ifup_plan(tmp_path)
    assert "dhclient -6 " in plans["eth0"] and "dhclient -6 -1 -v -S " in plans["eth1"]


def test_dhcpv6_without_dhclient_is_refused_before_anything_runs(host: Host, tmp_path: Path, dhcpcd_only: None) -> None:
    """ifupdown (0.8.41 to 0.8.44) runs only dhclient for DHCPv6: with dhcpcd alone, ifup would fail."""
    plans = _ifup_plan(tmp_path)
    assert "No DHCPv6 client software found!" in plans["eth0"]
    assert "dhclient" not in plans["eth1"] and "dhcpcd" not in plans["eth1"]  # `dhcp 1`: nothing runs
    Path("/etc/network/interfaces").write_text(HOST_FILE6)
    path = host.configure("a", NS_DHCP6)
    before = host.snapshot()
    proc = host.tool("start", "a", check=False)
    message = f"{path}:5: error: eth0: ifupdown runs no DHCPv6 client but dhclient, and /sbin/dhclient is missing"
    assert proc.returncode == 2 and proc.stderr.startswith(message), proc.stderr
    assert host.tool("check", "a", check=False).stdout.startswith(message)
    assert host.snapshot() == before
    assert _client_pids("a") == set() and _client_pids(None) == set()


@pytest.fixture
def dual_stack(host: Host) -> Iterator[Server]:
    yield from serving(host, (*V4_SERVICE, *V6_SERVICE))


def test_dhcpcd_ipv6_of_two_namespaces_is_their_own(host: Host, dual_stack: Server, dhcpcd_only: None) -> None:
    """dhcpcd, which ifupdown runs for `inet dhcp`, does IPv6 too (RA, DHCPv6): with its own DUID."""
    Path("/etc/network/interfaces").write_text(HOST_FILE6)
    host.configure("a", NS_DHCP)
    host.configure("b", NS_DHCP)
    server = dual_stack
    server.nic()
    ra_before = _accept_ra()
    host.tool("start", "a")
    host.tool("start", "b")
    a, b = _client_pids("a"), _client_pids("b")
    assert a and b and not a & b
    addr = {name: _address6(name) for name in ("a", "b")}
    assert addr["a"] != addr["b"]
    duid = {name: Path(f"/var/lib/netns-helper/{name}/dhcpcd/duid").read_text().strip() for name in ("a", "b")}
    assert duid["a"] != duid["b"], duid
    wait_for(lambda: {(addr[n], duid[n]) for n in ("a", "b")} <= _replies(server), what="replies to both DUIDs")
    assert not os.path.exists("/var/lib/dhcpcd/duid")
    assert _unchanged(ra_before)
    host.tool("stop", "a")
    assert _client_pids("b") == b
    assert duid["b"] not in _released(server)
    _renews(server, _mac("b"))
    assert _addresses6("b") == [addr["b"]]
    host.tool("stop", "b")
    assert _client_pids("b") == set()
    assert _unchanged(ra_before)


@pytest.fixture
def slaac(host: Host) -> Iterator[Server]:
    yield from serving(host, SLAAC_SERVICE)


NS_AUTO = """\
auto lo
iface lo inet loopback

auto eth0
iface eth0 inet6 auto
"""


def _slaac_address(netns: str) -> str:
    """The SLAAC address (fd77::/64, from the RA's prefix) of eth0 in NETNS, waited for."""

    def found() -> list[str]:
        info = ipj("-n", netns, "-6", "addr", "show", "dev", "eth0", "scope", "global", "dynamic")
        return [str(a["local"]) for a in info[0]["addr_info"] if a.get("prefixlen") == 64] if info else []

    wait_for(lambda: len(found()) == 1, timeout=20, what=f"a SLAAC address in {netns}")
    addr = found()[0]
    assert addr.startswith(SUBNET6 + ":"), addr
    return addr


def test_inet6_auto_gets_slaac_with_accept_ra_inside_only(host: Host, slaac: Server) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE6)
    host.configure("a", NS_AUTO)
    # With `dhcp 1`, ifupdown runs a stateless DHCPv6 client (dhclient -6 -1 -S) for the other
    # settings (DNS): it asks once, writes its pid file and exits.
    host.configure("b", NS_AUTO + "    dhcp 1\n    accept_ra 1\n")
    slaac.nic()
    sh("sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_ra=0", "net.ipv6.conf.eth0.autoconf=0")
    ra_before = _accept_ra()
    before = host.snapshot()
    for _ in range(3):
        host.tool("start", "a")
        host.tool("start", "b")
        addr_a, addr_b = _slaac_address("a"), _slaac_address("b")
        assert addr_a != addr_b
        # ifupdown set accept_ra (its default for auto: 2) and autoconf in the namespace's own sysctl.
        sysctl = ("sysctl", "-n", "net.ipv6.conf.eth0.accept_ra", "net.ipv6.conf.eth0.autoconf")
        assert sh("ip", "netns", "exec", "a", *sysctl).stdout.split() == ["2", "1"]
        assert sh("ip", "netns", "exec", "b", *sysctl).stdout.split() == ["1", "1"]
        assert _unchanged(ra_before)
        assert f"nameserver {DNS6}" in Path("/etc/netns/b/resolv.conf").read_text()
        assert Path("/run/network/netns/b/dhcp/dhclient6.eth0.pid").read_text().strip()
        assert Path("/run/dhclient6.eth0.pid").read_text() == ""  # the bind's empty mount point only
        assert _client_pids("a") == set() and _client_pids("b") == set()
        host.tool("stop", "a")
        assert _slaac_address("b") == addr_b
        host.tool("stop", "b")
        assert _client_pids("b") == set() and _client_pids(None) == set()
        assert _unchanged(ra_before)
        assert host.snapshot() == before
    assert not os.path.exists("/run/network/netns/a") and not os.path.exists("/run/network/netns/b")
    assert not os.path.exists("/run/dhclient6.eth0.pid") or Path("/run/dhclient6.eth0.pid").read_text() == ""
