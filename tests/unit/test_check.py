"""`check`: every problem at once, each as path:line: severity: message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netns_helper.check import check, report
from netns_helper.errors import Problem
from netns_helper.facts import Paths
from netns_helper.ipjson import Link
from netns_helper.lifecycle import Refused, start_check
from netns_helper.rules import Live, default_route_devs
from netns_helper.world import load

NGINX = "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc/network").mkdir(parents=True)
    (tmp_path / "run").mkdir()
    return tmp_path


def _ns(root: Path, name: str, text: str, xfrm: str | None = None) -> Path:
    path = root / f"etc/netns/{name}/network/interfaces"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if xfrm is not None:
        (path.parent / "xfrm").write_text(xfrm)
    return path


def _check(root: Path, names: list[str] | None = None, live: Live | None = None) -> list[str]:
    return [str(p) for p in check(Paths(etc=f"{root}/etc", run=f"{root}/run"), names, live)]


HOST = Live(host_links={n: Link(n) for n in ("lo", "eth0", "eth1", "eth2")})


def test_clean_configuration(root: Path) -> None:
    _ns(root, "nginx", NGINX)
    assert _check(root, None, HOST) == []


def test_every_problem_at_once_in_file_order(root: Path) -> None:
    path = _ns(
        root,
        "nginx",
        "auto lo\nbogus\niface eth0 inet static\n  address 192.0.2.300/24\n  mtu 9\n"
        "  gateway 2001:db8::1\nauto eth9 eth1.5000\naddress 1.2.3.4\n",
    )
    assert _check(root, None, HOST) == [
        f"{path}:2: error: unknown word 'bogus' outside any stanza (hint: options belong after an `iface` line; "
        "stanzas start with iface, mapping, auto, allow-*, source, source-directory, rename or link-netns)",
        f"{path}:4: error: invalid address for eth0: '192.0.2.300/24' is not an IPv4 address",
        f"{path}:5: error: invalid mtu for eth0: MTU 9 is outside 68..65535",
        f"{path}:6: error: invalid gateway for eth0: 2001:db8::1 is not an IPv4 address",
        f"{path}:7: error: VLAN id 5000 of 'eth1.5000' is outside 1..4094",
        f"{path}:7: error: eth1.5000 is brought up (auto) but has no iface stanza: ifup would fail "
        "('unknown interface') (hint: add `iface eth1.5000 inet manual` (or the stanza it needs))",
        f"{path}:7: error: eth9 is brought up (auto) but has no iface stanza: ifup would fail "
        "('unknown interface') (hint: add `iface eth9 inet manual` (or the stanza it needs))",
        f"{path}:7: error: interface 'eth9' does not exist on this host (hint: name a NIC that `ip link` shows, "
        "a VLAN PARENT.VID of one, or a bond/bridge stanza)",
        f"{path}:8: error: unknown word 'address' outside any stanza (hint: options belong after an `iface` line; "
        "stanzas start with iface, mapping, auto, allow-*, source, source-directory, rename or link-netns)",
    ]


def test_nic_claimed_twice_and_by_the_host(root: Path) -> None:
    (root / "etc/network/interfaces").write_text("auto lo eth1\niface lo inet loopback\n")
    a = _ns(root, "a", "auto eth0 eth1\niface eth0 inet manual\niface eth1 inet manual\n")
    b = _ns(root, "b", "\nauto eth0\niface eth0 inet manual\niface eth1 inet manual\n")
    assert _check(root, None, HOST) == [
        f"{a}:1: error: eth0 is also taken by namespace b ({b}:2)",
        f"{a}:1: error: eth1 is also brought up by the host (auto at {root}/etc/network/interfaces:1)",
        f"{b}:2: error: eth0 is also taken by namespace a ({a}:1)",
    ]
    assert _check(root, ["b"], HOST) == [f"{b}:2: error: eth0 is also taken by namespace a ({a}:1)"]


def test_moving_the_default_route_or_ssh_link_is_a_warning(root: Path) -> None:
    path = _ns(root, "a", "auto eth0 eth1\niface eth0 inet manual\niface eth1 inet manual\n")
    live = Live(host_links=HOST.host_links, default_devs=frozenset({"eth0"}), ssh_dev="eth1")
    assert _check(root, None, live) == [
        f"{path}:1: warning: eth0 carries the host's default route: moving it cuts the host off",
        f"{path}:1: warning: eth1 carries this SSH connection: moving it cuts you off",
    ]


def test_nic_inside_its_running_namespace_is_not_missing(root: Path) -> None:
    _ns(root, "nginx", NGINX)
    live = Live(host_links={"lo": Link("lo")}, ns_links={"nginx": {"lo": Link("lo"), "eth0": Link("eth0")}})
    assert _check(root, None, live) == []


def test_links_and_bridge_ports(root: Path) -> None:
    host = root / "etc/network/interfaces"
    host.write_text("iface lo inet loopback\nlink-netns ghost g0 g1\nlink-netns a l0 l1\n")
    a = _ns(root, "a", "auto l1 br9..1 averyveryverylongname..1\niface l1 inet manual\niface br9..1 inet manual\n")
    assert _check(root, None, HOST) == [
        f"{a}:1: error: interface name 'averyveryverylongname..1' is longer than 15 bytes "
        "(hint: the kernel limits network interface names to 15 bytes)",
        f"{host}:2: error: link-netns for namespace ghost, which has no configuration "
        f"({root}/etc/netns/ghost/network/interfaces)",
    ]
    a.write_text("auto l1 br9..1\niface l1 inet manual\niface br9..1 inet manual\n")
    assert _check(root, None, HOST) == [
        f"{a}:1: error: bridge port 'br9..1': 'br9' does not exist on this host",
        f"{host}:2: error: link-netns for namespace ghost, which has no configuration "
        f"({root}/etc/netns/ghost/network/interfaces)",
    ]


def test_names_the_tool_cannot_use(root: Path) -> None:
    _ns(root, "bad name", "auto lo\n")
    assert _check(root, None, HOST) == [
        f"{root}/etc/netns/bad name: error: 'bad name' cannot be a namespace name: use letters, digits, '_', '.', '-'"
    ]
    assert _check(root, ["missing"], HOST)[-1] == f"{root}/etc/netns/missing/network/interfaces: error: no such file"


def test_xfrm_problems(root: Path) -> None:
    xfrm = "[ipsec0]\nIfId=17\nDestNetNS=web\nPrefixes=10.0.0.0/8\nBlockP2P=true\n"
    _ns(root, "strongswan", NGINX, xfrm)
    _ns(root, "web", "auto lo\n")
    (root / "etc/systemd/system/web.service.d").mkdir(parents=True)
    (root / "etc/systemd/system/web.service.d/netns.conf").symlink_to("/usr/share/systemd-netns-helper/netns.conf")
    x = root / "etc/netns/strongswan/network/xfrm"
    problems = _check(root, None, HOST)
    assert f"{x}:1: error: DestNetNS web is a service's namespace" in problems
    assert any(p.startswith(f"{x}:1: error: BlockP2P needs the uplink of namespace web") for p in problems)
    _ns(root, "other", "auto lo\n", "[ipsec5]\nIfId=5\nDestNetNS=web\nPrefixes=10.0.0.0/8\nTable=1000\nBlockP2P=yes\n")
    assert any("route 10.0.0.0/8 in table 1000 of namespace web is also routed into" in p for p in _check(root))


def test_report_exit_codes_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert report([], as_json=False) == 0
    assert report([Problem("warning", "w", "f:1")], as_json=False) == 1
    assert capsys.readouterr().out == "f:1: warning: w\n"
    assert report([Problem("warning", "w", "f:1"), Problem("error", "e", "g")], as_json=True) == 2
    assert json.loads(capsys.readouterr().out) == [
        {"path": "f", "line": 1, "severity": "warning", "message": "w"},
        {"path": "g", "line": None, "severity": "error", "message": "e"},
    ]


def test_start_refuses_on_errors_and_only_warns_on_warnings(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")
    asked: list[tuple[str, ...]] = []

    def query(argv: tuple[str, ...]) -> str:
        asked.append(argv)
        return json.dumps([{"ifname": n} for n in HOST.host_links])

    path = _ns(root, "a", "auto eth0\niface eth0 inet static\n  address 10.0.0.1/33\n")
    with pytest.raises(Refused) as info:
        start_check(load(paths), "a", query)
    assert str(info.value).startswith(f"{path}:3: error: invalid address for eth0")
    assert asked == []  # the file rules refuse before any process runs
    path.write_text("auto eth0 eth7\niface eth0 inet manual\niface eth7 inet manual\n")
    with pytest.raises(Refused) as info:
        start_check(load(paths), "a", query)
    assert str(info.value).startswith(f"{path}:1: error: interface 'eth7' does not exist on this host")
    (root / "proc/net").mkdir(parents=True)
    (root / "proc/net/route").write_text(
        "Iface\tDestination\tGateway\tFlags\nEth\neth0\t00000000\t0\t3\t0\t0\t0\t00000000\n"
    )
    path.write_text("auto eth0\nallow-hotplug eth8\niface eth0 inet manual\niface eth8 inet manual\n")
    assert start_check(load(paths), "a", query).host_links == HOST.host_links
    assert capsys.readouterr().err == (
        f"{path}:1: warning: eth0 carries the host's default route: moving it cuts the host off\n"
        f"{path}:2: warning: allow-hotplug interface 'eth8' is not on this host now; not moved\n"
    )


def test_default_routes_from_proc(tmp_path: Path) -> None:
    (tmp_path / "route").write_text(
        "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
    )
    (tmp_path / "ipv6_route").write_text(
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 "
        "00000400 00000001 00000000 00000003 eth6\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 "
        "ffffffff 00000001 00000000 00200200 lo\n"
    )
    assert default_route_devs(str(tmp_path)) == frozenset({"eth0", "eth6"})


def test_every_error_of_an_xfrm_file(root: Path) -> None:
    _ns(root, "gw", NGINX, "[a]\nIfId=x\nPrefixes=10.0.0.0/8\n[b]\nIfId=2\nPrefixes=10.0.0.0/33\n")
    x = root / "etc/netns/gw/network/xfrm"
    assert [p.split(": error: ")[0] for p in _check(root, ["gw"], HOST)] == [f"{x}:2", f"{x}:6"]
