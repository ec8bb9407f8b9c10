# SPDX-License-Identifier: GPL-3.0-or-later
"""`check`: every problem at once, each as path:line: severity: message."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from netns_helper.check import check, report
from netns_helper.errors import Problem
from netns_helper.facts import Paths
from netns_helper.ipjson import Link
from netns_helper.lifecycle import Refused, start_check
from netns_helper.rules import Live, _upper_addresses, default_route_devs
from netns_helper.world import load

NGINX = "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n"


def _manual(*names: str) -> str:
    """Stanzas for NAMES, so that `auto NAMES` is a file ifup -a accepts."""
    return "".join(f"iface {name} inet manual\n" for name in names)


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
    return [str(p) for p in check(Paths(etc=f"{root}/etc", run=f"{root}/run", usr_lib=f"{root}/usr/lib"), names, live)]


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
    a = _ns(root, "a", "auto eth0 eth1\n" + _manual("eth0", "eth1"))
    b = _ns(root, "b", "\nauto eth0\niface eth0 inet manual\niface eth1 inet manual\n")
    assert _check(root, None, HOST) == [
        f"{a}:1: error: eth0 is also taken by namespace b ({b}:2)",
        f"{a}:1: error: eth1 is also brought up by the host (auto at {root}/etc/network/interfaces:1)",
        f"{b}:2: error: eth0 is also taken by namespace a ({a}:1)",
    ]
    assert _check(root, ["b"], HOST) == [f"{b}:2: error: eth0 is also taken by namespace a ({a}:1)"]


def _file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_host_network_managers_and_hotplug_that_would_manage_a_claimed_nic(root: Path) -> None:
    host = _file(root / "etc/network/interfaces", "auto lo\niface lo inet loopback\n\nallow-hotplug eth0\n")
    a = _ns(
        root,
        "a",
        "auto eth0 eth1 eth2 br0..eth9\n" + _manual("eth0", "eth1", "eth2", "br0..eth9"),
    )
    # networkd: enabled; /etc overrides /usr/lib's file of the same name; negated names and masks.
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    (wants / "systemd-networkd.service").symlink_to("/usr/lib/systemd/system/systemd-networkd.service")
    eth = _file(
        root / "etc/systemd/network/10-eth.network", "[Match]\n# the NICs\nName=eth0 eth1\n[Network]\nDHCP=yes\n"
    )
    others = _file(root / "etc/systemd/network/30-others.network", "[Match]\nName=!eth*\n")  # all but eth*
    _file(root / "usr/lib/systemd/network/10-eth.network", "[Match]\nName=*\n")
    _file(root / "usr/lib/systemd/network/80-container-ve.network", "[Match]\nName=ve-*\nDriver=veth\n")
    _file(root / "usr/lib/systemd/network/80-6rd-tunnel.network", "[Match]\nKind=sit\n")
    (root / "etc/systemd/network/99-all.network").symlink_to("/dev/null")
    _file(root / "usr/lib/systemd/network/99-all.network", "[Network]\nDHCP=yes\n")
    tail = "whenever it is on the host"
    warnings = [
        f"{a}:1: error: eth0 is also brought up by the host (allow-hotplug at {host}:4)",
        f"{a}:1: warning: eth0 is also managed by the host's systemd-networkd ({eth}:3) {tail}",
        f"{a}:1: warning: a-eth9 is also managed by the host's systemd-networkd ({others}:2) {tail}",
        f"{a}:1: warning: eth1 is also managed by the host's systemd-networkd ({eth}:3) {tail}",
    ]
    live = Live(host_links={**HOST.host_links, "br0": Link("br0", "bridge")})
    assert sorted(_check(root, None, live)) == sorted(warnings)
    # NetworkManager: every device but those it is told to leave alone.
    (wants / "NetworkManager.service").symlink_to("/usr/lib/systemd/system/NetworkManager.service")
    _file(root / "etc/NetworkManager/conf.d/netns.conf", "[keyfile]\nunmanaged-devices=interface-name:eth1;mac:00:11\n")
    nm = f"{wants}/NetworkManager.service:1"
    assert sorted(_check(root, None, live)) == sorted(
        [
            *warnings,
            f"{a}:1: warning: eth0 is also managed by the host's NetworkManager ({nm}) {tail}",
            f"{a}:1: warning: eth2 is also managed by the host's NetworkManager ({nm}) {tail}",
        ]
    )


def test_moving_the_default_route_or_ssh_link_is_a_warning(root: Path) -> None:
    path = _ns(root, "a", "auto eth0 eth1\n" + _manual("eth0", "eth1"))
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
    a.write_text("auto l1 br9..1\n" + _manual("l1", "br9..1"))
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
    path.write_text("auto eth0 eth7\n" + _manual("eth0", "eth7"))
    with pytest.raises(Refused) as info:
        start_check(load(paths), "a", query)
    assert str(info.value).startswith(f"{path}:1: error: interface 'eth7' does not exist on this host")
    (root / "proc/net").mkdir(parents=True)
    (root / "proc/net/route").write_text(
        "Iface\tDestination\tGateway\tFlags\nEth\neth0\t00000000\t0\t3\t0\t0\t0\t00000000\n"
    )
    path.write_text("auto eth0\nallow-hotplug eth8\niface eth0 inet manual\niface eth8 inet manual\n")
    assert start_check(load(paths), "a", query)[0].host_links == HOST.host_links
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


@pytest.mark.parametrize(
    ("host_text", "message"),
    [
        # The Debian installer's default for the primary NIC: refused as `auto` is.
        (
            "auto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n",
            "eth0 is also brought up by the host (allow-hotplug at {host}:4)",
        ),
        (
            "iface br0 inet dhcp\n  bridge-ports all\n",
            "eth0 is a port of the host's br0 (bridge-ports at {host}:2): moving it cuts br0 off",
        ),
    ],
    ids=["allow-hotplug", "bridge-ports-all"],
)
def test_a_nic_the_host_needs_is_refused(root: Path, host_text: str, message: str) -> None:
    host = root / "etc/network/interfaces"
    host.write_text(host_text)
    a = _ns(root, "a", "auto eth0\n" + _manual("eth0"))
    assert _check(root, None, HOST) == [f"{a}:1: error: " + message.format(host=host)]


def test_a_port_of_a_host_bridge_or_bond_in_the_host_file_is_refused(root: Path) -> None:
    host = root / "etc/network/interfaces"
    host.write_text(
        "iface br0 inet static\n  bridge_ports eth1\n  address 192.0.2.1/24\n"
        "iface bond0 inet manual\n  bond-slaves none\niface eth2 inet manual\n  bond-master bond0\n"
    )
    a = _ns(root, "a", "auto eth1\n" + _manual("eth1"))
    b = _ns(root, "b", "auto br9\niface br9 inet manual\n  bridge-ports eth2\n")
    assert _check(root, None, HOST) == [
        f"{a}:1: error: eth1 is a port of the host's br0 (bridge_ports at {host}:2): moving it cuts br0 off",
        f"{b}:3: error: eth2 is a port of the host's bond0 (bond-master at {host}:7): moving it cuts bond0 off",
    ]


def test_a_nic_with_live_uppers_carrying_the_hosts_addresses_is_refused(root: Path) -> None:
    # Facts as `ip -j -d link show` gives them for a bond slave, a VLAN with an address, a bare macvlan.
    a = _ns(root, "a", "auto eth0 eth1 eth2\n" + _manual("eth0", "eth1", "eth2"))
    links = {
        "eth0": Link("eth0", master="bond0"),
        "bond0": Link("bond0", kind="bond"),
        "eth1": Link("eth1"),
        "eth1.7": Link("eth1.7", kind="vlan", parent="eth1"),
        "eth2": Link("eth2"),
        "mv0": Link("mv0", kind="macvlan", parent="eth2"),
        "peer": Link("peer", kind="veth", parent="eth2"),  # a veth's peer is not an upper
    }
    live = Live(host_links=links, upper_addresses={"eth1.7": ("198.51.100.1/24",), "mv0": ()})
    assert _check(root, None, live) == [
        f"{a}:1: error: eth0 is a port of the host's bond0: moving it cuts bond0 off",
        f"{a}:1: error: eth1 is the lower link of the host's eth1.7, which carries 198.51.100.1/24: "
        "moving it cuts that off",
        f"{a}:1: warning: eth2 is the lower link of the host's mv0, which stops passing traffic",
    ]


@pytest.mark.parametrize(
    ("upper", "asked"),
    [
        (None, False),
        (Link("eth1.7", kind="vlan", parent="eth1"), True),
        (Link("mv0", kind="macvlan", parent="eth1"), True),
        (Link("peer", kind="veth", parent="eth1"), False),  # a veth's peer is not an upper
        (Link("eth1.8", kind="vlan", parent="eth1", parent_elsewhere=True), False),
        (Link("eth9.7", kind="vlan", parent="eth9"), False),  # its lower link is not the host's
    ],
)
def test_the_addresses_of_uppers_are_asked_only_when_the_host_has_uppers(upper: Link | None, asked: bool) -> None:
    links = {"eth0": Link("eth0", master="bond0"), "eth1": Link("eth1"), "bond0": Link("bond0", kind="bond")}
    if upper is not None:
        links[upper.name] = upper
    queries: list[tuple[str, ...]] = []

    def query(argv: tuple[str, ...]) -> str:
        queries.append(argv)
        return json.dumps([{"ifname": upper.name, "addr_info": []}] if upper else [])

    addresses = _upper_addresses(links, query)
    assert queries == ([("ip", "-j", "addr", "show")] if asked else [])
    assert addresses == ({upper.name: ()} if asked and upper else {})


def test_names_start_creates_must_be_the_names_written(root: Path) -> None:
    host = root / "etc/network/interfaces"
    host.write_text(
        "iface x inet manual\nlink-netns a lo va0\nlink-netns a v%d vb0\nlink-netns a vc0 eth1\nlink-netns a vd0 v=1\n"
    )
    a = _ns(root, "a", "auto eth1 eth0.5=x\niface eth1 inet manual\niface x inet manual\n")
    assert _check(root, None, HOST) == [
        f"{a}:1: error: 'eth0.5=x': no '=' in an interface name (ifup reads NAME=LOGICAL)",
        f"{a}:1: error: eth0.5=x is brought up (auto) but has no iface stanza: ifup would fail ('unknown interface') "
        "(hint: add `iface eth0.5=x inet manual` (or the stanza it needs))",
        f"{a}:1: error: interface 'eth0.5=x' does not exist on this host (hint: name a NIC that `ip link` shows, "
        "a VLAN PARENT.VID of one, or a bond/bridge stanza)",
        f"{host}:2: error: 'lo' cannot be an end of a link-netns pair: every namespace has one",
        f"{host}:2: error: cannot create link 'lo': a link of that name already exists on this host",
        f"{host}:3: error: 'v%d': no '%' in an interface name (the kernel expands it into a number)",
        f"{host}:4: warning: link-netns end 'eth1' is also the name of a host link: the namespace gets the veth end, "
        "not that link",
        f"{host}:5: error: 'v=1': no '=' in an interface name (ifup reads NAME=LOGICAL)",
    ]


def test_files_and_directories_others_could_write_are_refused_as_sshd_strictmodes(root: Path) -> None:
    host = root / "etc/network/interfaces"
    (root / "etc/network/interfaces.d").mkdir()
    sourced = root / "etc/network/interfaces.d/extra"
    sourced.write_text("iface eth5 inet manual\n")
    os.chown(sourced, 1000, 1000)
    host.write_text("source interfaces.d/*\n")
    host.chmod(0o664)
    (root / "etc/network/if-up.d").mkdir(mode=0o755)
    (root / "etc/network/if-up.d").chmod(0o777)
    a = _ns(root, "a", NGINX, xfrm="")
    (a.parent / "xfrm").chmod(0o646)
    a.parent.chmod(0o775)
    hint = " (hint: chown root:root {0}; chmod go-w {0})"
    assert [p for p in _check(root, None, HOST) if "runs as root" in p or "run as root" in p] == [
        f"{a.parent}: error: {a.parent} is writable by group or others (mode 0775): its commands run as root"
        + hint.format(a.parent),
        f"{a.parent}/xfrm:1: error: {a.parent}/xfrm is writable by group or others (mode 0646): "
        "its commands run as root" + hint.format(f"{a.parent}/xfrm"),
        f"{root}/etc/network/if-up.d: error: {root}/etc/network/if-up.d is writable by group or others (mode 0777): "
        "its commands run as root" + hint.format(f"{root}/etc/network/if-up.d"),
        f"{host}:1: error: {host} is writable by group or others (mode 0664): its commands run as root"
        + hint.format(host),
        f"{sourced}:1: error: {sourced} is owned by uid 1000, not root: its commands run as root"
        + hint.format(sourced),
    ]
    os.chown(sourced, 0, 0)
    for path in (host, a.parent / "xfrm"):
        path.chmod(0o644)
    for path in (a.parent, root / "etc/network/if-up.d"):
        path.chmod(0o755)
    assert [p for p in _check(root, None, HOST) if "run as root" in p] == []


def test_start_never_writes_through_a_symlinked_hook_or_state_directory(root: Path) -> None:
    a = _ns(root, "a", NGINX)
    (root / "elsewhere").mkdir()
    os.symlink(root / "elsewhere", a.parent / "if-up.d")
    (root / "run/network/netns").mkdir(parents=True)
    os.symlink(root / "elsewhere", root / "run/network/netns/a")
    hint = "start writes there, and never through a link (hint: rm {0})"
    assert _check(root, None, HOST) == [
        f"{a.parent}/if-up.d: error: {a.parent}/if-up.d is a symbolic link: " + hint.format(f"{a.parent}/if-up.d"),
        f"{root}/run/network/netns/a: error: {root}/run/network/netns/a is a symbolic link: "
        + hint.format(f"{root}/run/network/netns/a"),
    ]


def test_bridge_ports_regex_and_all_are_read_as_bridge_utils_reads_them(root: Path) -> None:
    host = root / "etc/network/interfaces"
    host.write_text(
        "iface br0 inet dhcp\n  bridge_ports regex lan[0-9] noregex wan_1\niface br1 inet dhcp\n  bridge_ports all\n"
    )
    a = _ns(
        root,
        "a",
        "auto lan3 lan10 wan_1 wanx1 enp1s0 wlan0\n" + _manual("lan3", "lan10", "wan_1", "wanx1", "enp1s0", "wlan0"),
    )
    assert _check(root, None, None) == [
        f"{a}:1: error: enp1s0 is a port of the host's br1 (bridge_ports at {host}:4): moving it cuts br1 off",
        f"{a}:1: error: lan3 is a port of the host's br0 (bridge_ports at {host}:2): moving it cuts br0 off",
        f"{a}:1: error: wan_1 is a port of the host's br0 (bridge_ports at {host}:2): moving it cuts br0 off",
    ]


def test_start_of_an_ipsec_service_judges_its_destinations_ruleset_and_sysctls(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A start builds the destinations too: their files are refused with the service's, nft checks their ruleset."""
    paths = Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")
    asked: list[tuple[str, ...]] = []

    def query(argv: tuple[str, ...]) -> str:
        asked.append(argv)
        return "[]"

    _ns(root, "gw", "auto lo\niface lo inet loopback\n", "[ipsec0]\nIfId=7\nPrefixes=10.1.0.0/16\nDestNetNS=vpn\n")
    dest = root / "etc/netns/vpn"  # a destination without an interfaces file of its own
    dest.mkdir(parents=True)
    (dest / "sysctl.conf").write_text("kernel.hostname = evil\n")
    (dest / "nftables.conf").write_text("flush ruleset\n")
    with pytest.raises(Refused) as info:
        start_check(load(paths), "gw", query)
    assert str(info.value).startswith(f"{dest}/sysctl.conf:1: error: kernel.hostname is not a network namespace's")
    assert asked == []
    assert [p.split(": error: ")[0] for p in _check(root, ["gw"])] == [f"{dest}/sysctl.conf:1"]
    (dest / "sysctl.conf").write_text("net.ipv4.ip_forward = 0\n")
    start_check(load(paths), "gw", query)
    assert asked[0] == ("unshare", "--net", "nft", "-c", "-f", f"{dest}/nftables.conf")
    assert "net.ipv4.ip_forward = 0 wins over the forwarding" in capsys.readouterr().err  # start warns too
    assert _check(root, ["vpn"]) == [
        f"{dest}/network/interfaces: error: no such file",
        f"{dest}/sysctl.conf:1: warning: net.ipv4.ip_forward = 0 wins over the forwarding that the XFRM "
        "destination vpn needs: its IPv4 routes will not forward",
    ]


def test_a_nic_both_the_host_and_the_namespace_only_hot_plug_is_a_warning(root: Path) -> None:
    # netns-helper's udev rule takes a hot-plugged device in before the host's ifup@ (issue 18);
    # a namespace that brings it up with auto takes it from the host at boot: an error (issue 11).
    host = root / "etc/network/interfaces"
    a = _ns(root, "a", "allow-hotplug hp0\n" + _manual("hp0"))
    b = _ns(root, "b", "auto hp1\n" + _manual("hp1"))
    host.write_text("allow-hotplug hp0 hp1\niface hp0 inet dhcp\niface hp1 inet dhcp\n")
    assert _check(root, None, None) == [
        f"{a}:1: warning: hp0 is also hot-plugged by the host (allow-hotplug at {host}:1): present at boot, "
        "the host takes it",
        f"{b}:1: error: hp1 is also brought up by the host (allow-hotplug at {host}:1)",
    ]


def test_the_destinations_of_a_service_whose_start_finished_are_not_judged_again(root: Path) -> None:
    """A running destination holds the service's XFRM interface once the service's start is done:
    start does nothing then, and check says nothing; a leftover of an unfinished start is refused."""
    from netns_helper.record import Record

    xfrm = _ns(
        root, "gw", "auto lo\niface lo inet loopback\n", "[ipsec0]\nIfId=7\nPrefixes=10.1.0.0/16\nDestNetNS=vpn\n"
    )
    _ns(root, "vpn", "auto eth2\niface eth2 inet manual\n")
    ns_links = {"gw": {"lo": Link("lo")}, "vpn": {"lo": Link("lo"), "ipsec0": Link("ipsec0", "xfrm")}}
    running = Live(HOST.host_links, ns_links, namespaces=frozenset({"gw", "vpn"}))
    done = Live(running.host_links, ns_links, namespaces=running.namespaces, records={"gw": Record("gw", True)})
    assert _check(root, None, done) == _check(root, ["gw"], done) == []
    clash = f"{xfrm.parent}/xfrm:1: error: namespace vpn already has an interface named ipsec0"
    assert _check(root, None, running) == _check(root, ["gw"], running) == [clash]
    assert _check(root, ["vpn"], running) == []  # its own start has nothing against it


def test_dhcpv6_without_dhclient(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ifupdown's inet6 methods run dhclient only (tests/netns/test_dhcp6.py shows ifup's own plan)."""
    path = _ns(
        root,
        "a",
        "auto eth0 eth1 eth2\niface eth0 inet6 dhcp\niface eth1 inet6 auto\n  dhcp 1\n"
        "iface eth2 inet6 auto\n  dhcp 0\niface eth2 inet dhcp\n",
    )
    monkeypatch.setattr("netns_helper.rules.dhcp_clients", lambda: frozenset({"dhclient", "dhcpcd"}))
    assert _check(root, None, HOST) == []
    monkeypatch.setattr("netns_helper.rules.dhcp_clients", lambda: frozenset({"dhcpcd"}))
    assert _check(root, None, HOST) == [
        f"{path}:2: error: eth0: ifupdown runs no DHCPv6 client but dhclient, and /sbin/dhclient is missing: "
        "ifup would fail ('No DHCPv6 client software found!') (hint: install isc-dhcp-client, or use `inet dhcp`, "
        "whose dhcpcd does IPv6 too)",
        f"{path}:4: warning: eth1: `dhcp 1` (stateless DHCPv6) runs only with dhclient, and /sbin/dhclient is "
        "missing: ifup skips it (hint: install isc-dhcp-client)",
    ]
    with pytest.raises(Refused) as info:
        start_check(load(Paths(etc=f"{root}/etc", run=f"{root}/run")), "a", lambda argv: pytest.fail(str(argv)))
    assert str(info.value).startswith(f"{path}:2: error: eth0: ifupdown runs no DHCPv6 client but dhclient")
