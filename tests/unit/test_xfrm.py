# SPDX-License-Identifier: GPL-3.0-or-later
"""The xfrm file: the spec's example, every validation error with file:line, uplinks, builders."""

from __future__ import annotations

import subprocess
import sys
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

import pytest

from netns_helper.commands import Run
from netns_helper.errors import ConfigError, Loc
from netns_helper.interfaces import parse_text
from netns_helper.iproute import forwarding_on, routes_batch, routes_delete_batch, xfrm_add, xfrm_move
from netns_helper.uplink import block_p2p_uplink, created_links, uplink
from netns_helper.xfrm import BLOCK_P2P_TABLE, TABLE, Xfrm, parse_xfrm, parse_xfrm_text
from netns_helper.xfrm_conflicts import check_dest_conflicts

from .golden import SPEC_XFRM

PATH = "/etc/netns/strongswan/network/xfrm"


IPSEC0 = Xfrm(
    name="ipsec0",
    if_id=17,
    prefixes=(IPv4Network("10.143.12.0/24"),),
    dest_netns="tunnel",
    underlay=None,
    block_p2p=False,
    mtu=None,
    table=1000,
    loc=Loc(PATH, 1),
)
IPSEC1 = Xfrm(
    name="ipsec1",
    if_id=18,
    prefixes=(IPv4Network("10.143.14.0/23"), IPv4Network("10.143.18.0/27")),
    dest_netns="tunnel2",
    underlay="ens5",
    block_p2p=True,
    mtu=None,
    table=1000,
    loc=Loc(PATH, 6),
)


def _parse(text: str) -> tuple[Xfrm, ...]:
    return parse_xfrm_text(text, "strongswan", PATH)


def test_spec_example() -> None:
    assert _parse(SPEC_XFRM) == (IPSEC0, IPSEC1)
    assert BLOCK_P2P_TABLE == 1000


def test_spec_example_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "xfrm"
    path.write_text(SPEC_XFRM)
    ipsec0, ipsec1 = parse_xfrm(str(path), "strongswan")
    assert (ipsec0.name, ipsec0.loc, ipsec1.loc) == ("ipsec0", Loc(str(path), 1), Loc(str(path), 6))


def test_defaults_hex_spacing_comments_and_bom() -> None:
    (item,) = _parse(
        "\ufeff# the VPN of site B\n"
        "; another comment\n"
        "  [ vpn-b ]  \n"
        "IfId = 0x11\n"
        "  Prefixes =2001:db8:b::/48 ,10.20.0.0/16\n"
        "MTU= 1400\n"
    )
    assert item == Xfrm(
        "vpn-b",
        17,
        (IPv6Network("2001:db8:b::/48"), IPv4Network("10.20.0.0/16")),
        "xfrm_strongswan",
        None,
        False,
        1400,
        BLOCK_P2P_TABLE,
        Loc(PATH, 3),
    )
    assert item.versions == (4, 6)


def test_ipv6_only_and_normalized_prefixes() -> None:
    (item,) = _parse("[v6]\nIfId=0XFFFFFFFF\nPrefixes=2001:DB8::/32, fd00:1::/64, 10.0.0.0/255.255.0.0\nMTU=1280\n")
    assert item.if_id == 0xFFFFFFFF
    assert [str(p) for p in item.prefixes] == ["2001:db8::/32", "fd00:1::/64", "10.0.0.0/16"]
    (v6,) = _parse("[v6]\nIfId=1\nPrefixes=2001:db8::/32\n")
    assert v6.versions == (6,)


@pytest.mark.parametrize("word", ["true", "TRUE", "yes", "On", "1"])
def test_block_p2p_true_words(word: str) -> None:
    (item,) = _parse(f"[x]\nIfId=1\nPrefixes=10.0.0.0/8\nBlockP2P={word}\nTable=0x10000\n")
    assert (item.block_p2p, item.table) == (True, 65536)


@pytest.mark.parametrize("word", ["false", "No", "off", "0"])
def test_block_p2p_false_words(word: str) -> None:
    (item,) = _parse(f"[x]\nIfId=1\nPrefixes=10.0.0.0/8\nBlockP2P={word}\n")
    assert item.block_p2p is False


def test_empty_file_has_no_interfaces() -> None:
    assert _parse("# nothing yet\n\n") == ()


def test_same_prefix_in_two_tables_of_one_namespace_is_fine() -> None:
    items = _parse(
        "[a]\nIfId=1\nDestNetNS=t\nPrefixes=10.0.0.0/8\n"
        "[b]\nIfId=2\nDestNetNS=t\nPrefixes=10.0.0.0/8\nBlockP2P=yes\n"
        "[c]\nIfId=3\nDestNetNS=u\nPrefixes=10.0.0.0/8\n"
    )
    assert [i.name for i in items] == ["a", "b", "c"]


_OK = "[x]\nIfId=1\nPrefixes=10.0.0.0/8\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("IfId=1\n[x]\n", 1, "`IfId=` outside any section"),
        ("\n# c\nPrefixes = 10.0.0.0/8\n", 3, "`Prefixes=` outside any section"),
        (_OK + "just words\n", 4, "expected `[NAME]` or `Key=Value`, not 'just words'"),
        (_OK + "=1\n", 4, "expected `[NAME]` or `Key=Value`"),
        ("[ipsec0\nIfId=1\n", 1, "does not end with ']'"),
        ("[]\n", 1, "invalid interface name ''"),
        ("[a/b]\n", 1, "invalid interface name 'a/b'"),
        ("[ipsec with space]\n", 1, "invalid interface name"),
        ("[averyveryverylongname0]\n", 1, "longer than 15 bytes"),
        (_OK + "\n[x]\n", 5, "section [x] is already at line 1"),
        (_OK + "IfId=2\n", 4, "IfId is already set in [x] at line 2"),
        ("[x]\nPrefix=10.0.0.0/8\n", 2, "unknown key 'Prefix' in [x]\n  hint: did you mean Prefixes?"),
        ("[x]\nifid=1\n", 2, "unknown key 'ifid' in [x]\n  hint: did you mean IfId? (keys are case-sensitive)"),
        ("[x]\nDestNetNs=t\n", 2, "did you mean DestNetNS?"),
        ("[x]\nUnderlay=ens5\n", 2, "did you mean UnderlayDev?"),
        ("[x]\nColour=red\n", 2, "unknown key 'Colour' in [x]\n  hint: known keys: IfId, Prefixes, DestNetNS,"),
        ("[x]\nIfId=\n", 2, "IfId has no value"),
        ("\n[x]\nPrefixes=10.0.0.0/8\n", 2, "[x] has no IfId= (it is mandatory)"),
        ("[x]\nIfId=1\n[y]\nIfId=2\nPrefixes=10.0.0.0/8\n", 1, "[x] has no Prefixes="),
        ("[x]\nIfId=0\nPrefixes=10.0.0.0/8\n", 2, "IfId 0 is out of range 1..4294967295"),
        ("[x]\nIfId=4294967296\nPrefixes=10.0.0.0/8\n", 2, "out of range"),
        ("[x]\nIfId=0x100000000\nPrefixes=10.0.0.0/8\n", 2, "IfId 0x100000000 is out of range"),
        ("[x]\nIfId=017\nPrefixes=10.0.0.0/8\n", 2, "IfId=017 is not a number"),
        ("[x]\nIfId=-1\nPrefixes=10.0.0.0/8\n", 2, "not a number"),
        ("[x]\nIfId=1_000\nPrefixes=10.0.0.0/8\n", 2, "not a number"),
        ("[x]\nIfId=%unique\nPrefixes=10.0.0.0/8\n", 2, "not a number"),
        ("[x]\nIfId=0x\nPrefixes=10.0.0.0/8\n", 2, "not a number"),
        (
            "[x]\nIfId=1\nPrefixes=10.0.0.1/24\n",
            3,
            "prefix 10.0.0.1/24 has host bits set\n  hint: did you mean 10.0.0.0/24?",
        ),
        ("[x]\nIfId=1\nPrefixes=2001:db8::1/64\n", 3, "has host bits set\n  hint: did you mean 2001:db8::/64?"),
        ("[x]\nIfId=1\nPrefixes=10.0.0.0/24,,10.1.0.0/16\n", 3, "empty item in Prefixes"),
        ("[x]\nIfId=1\nPrefixes=10.0.0.0/24,\n", 3, "empty item in Prefixes"),
        ("[x]\nIfId=1\nPrefixes=, 10.0.0.0/24\n", 3, "empty item in Prefixes"),
        ("[x]\nIfId=1\nPrefixes=10.0.0.0/24, 10.0.0.0/24\n", 3, "prefix 10.0.0.0/24 is listed twice"),
        ("[x]\nIfId=1\nPrefixes=2001:db8::/32,2001:0DB8::/32\n", 3, "prefix 2001:db8::/32 is listed twice"),
        ("[x]\nIfId=1\nPrefixes=10.0.0.0\n", 3, "prefix 10.0.0.0 has no length"),
        ("[x]\nIfId=1\nPrefixes=10.0.0.0/33\n", 3, "invalid prefix '10.0.0.0/33'"),
        ("[x]\nIfId=1\nPrefixes=vpn/8\n", 3, "invalid prefix 'vpn/8'"),
        ("[x]\nIfId=1\nPrefixes=fe80::%eth0/64\n", 3, "has a scope"),
        (_OK + "DestNetNS=../etc\n", 4, "invalid namespace name '../etc'"),
        (_OK + "DestNetNS=strongswan\n", 4, "DestNetNS strongswan is the service's own namespace"),
        (_OK + "UnderlayDev=averyveryverylongname0\n", 4, "longer than 15 bytes"),
        (_OK + "UnderlayDev=x\n", 4, "UnderlayDev of [x] is the interface itself"),
        (_OK + "BlockP2P=maybe\n", 4, "BlockP2P=maybe is not a boolean"),
        (_OK + "MTU=67\n", 4, "MTU 67 is out of range 68..65535"),
        (_OK + "MTU=65536\n", 4, "MTU 65536 is out of range"),
        (_OK + "MTU=1500 bytes\n", 4, "MTU=1500 bytes is not a number"),
        ("[x]\nIfId=1\nPrefixes=10.0.0.0/8, fd00::/8\nMTU=1279\n", 4, "MTU 1279 is below 1280, the IPv6 minimum"),
        (_OK + "Table=100\n", 4, "Table= is used only with BlockP2P=true"),
        (_OK + "BlockP2P=false\nTable=100\n", 5, "Table= is used only with BlockP2P=true"),
        (_OK + "BlockP2P=true\nTable=0\n", 5, "Table 0 is out of range 1..4294967295"),
        (_OK + "BlockP2P=true\nTable=253\n", 5, "Table 253 is the kernel's default table"),
        (_OK + "BlockP2P=true\nTable=254\n", 5, "Table 254 is the kernel's main table"),
        (_OK + "BlockP2P=true\nTable=0xff\n", 5, "Table 255 is the kernel's local table"),
        (_OK + "BlockP2P=true\nTable=vpn\n", 5, "Table=vpn is not a number"),
        (_OK + "[y]\nIfId=0x1\nPrefixes=10.1.0.0/16\n", 5, "IfId 1 is also the IfId of [x] (line 2)"),
        (
            _OK + "[y]\nIfId=2\nPrefixes=10.0.0.0/8\n",
            4,
            "route 10.0.0.0/8 in the main table of namespace xfrm_strongswan",
        ),
        (
            "[a]\nIfId=1\nPrefixes=10.0.0.0/8\nBlockP2P=1\n[b]\nIfId=2\nPrefixes=10.0.0.0/8\nBlockP2P=1\n",
            5,
            "route 10.0.0.0/8 in table 1000 of namespace xfrm_strongswan is also routed into [a] at " + PATH + ":1",
        ),
        ("[x]\nIfId=1\n\x00\n", 3, "NUL byte"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        _parse(text)
    err = info.value
    assert err.loc == Loc(PATH, line)
    assert str(err).startswith(f"{PATH}:{line}: error: ")
    assert words in str(err)


@pytest.mark.real_processes
def test_unknown_key_suggestion_does_not_slow_down_valid_files(tmp_path: Path) -> None:
    path = tmp_path / "xfrm"
    path.write_text(SPEC_XFRM)
    code = (
        "import sys\nfrom netns_helper.xfrm import parse_xfrm\n"
        f"parse_xfrm({str(path)!r}, 'strongswan')\nassert 'difflib' not in sys.modules\n"
    )
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], cwd=repo, check=True)


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "xfrm"
    path.write_bytes(b"[x]\nIfId=1\nPrefixes=10.0.0.0/8\nDestNetNS=\xff\n")
    with pytest.raises(ConfigError, match="not valid UTF-8") as info:
        parse_xfrm(str(path), "strongswan")
    assert info.value.loc == Loc(str(path), 4)


def test_huge_missing_and_directory(tmp_path: Path) -> None:
    path = tmp_path / "xfrm"
    path.write_bytes(b"# x\n" * 300_000)
    with pytest.raises(ConfigError, match="larger than 1048576 bytes"):
        parse_xfrm(str(path), "strongswan")
    with pytest.raises(ConfigError, match="no such file"):
        parse_xfrm(str(tmp_path / "nope"), "strongswan")
    with pytest.raises(ConfigError, match="is a directory"):
        parse_xfrm(str(tmp_path), "strongswan")


def test_conflicts_across_services_sharing_a_namespace() -> None:
    a = parse_xfrm_text("[ipsec0]\nIfId=1\nDestNetNS=shared\nPrefixes=10.1.0.0/16\n", "svc-a", "/a")
    b = parse_xfrm_text("[ipsec0]\nIfId=1\nDestNetNS=shared\nPrefixes=10.2.0.0/16\n", "svc-b", "/b")
    c = parse_xfrm_text("[ipsec9]\nIfId=1\nDestNetNS=shared\nPrefixes=10.1.0.0/16\n", "svc-c", "/c")
    with pytest.raises(ConfigError, match=r"two interfaces named ipsec0 \(the other is at /a:1\)") as info:
        check_dest_conflicts([*a, *b])
    assert info.value.loc == Loc("/b", 1)
    with pytest.raises(ConfigError, match=r"route 10.1.0.0/16 .* also routed into \[ipsec0\] at /a:1"):
        check_dest_conflicts([*a, *c])
    check_dest_conflicts([*b, *c])


# --- the uplink of a destination namespace --------------------------------------------------

DEST = "/etc/netns/tunnel2/network/interfaces"


def _uplink(text: str) -> str | None:
    return uplink(parse_text(text, DEST))


def test_uplink_from_gateway() -> None:
    text = (
        "auto lo\niface lo inet loopback\n"
        "auto eth1\niface eth1 inet static\n  address 10.0.0.2/24\n"
        "auto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1\n"
        "iface eth0 inet6 static\n  address 2001:db8::2/64\n  gateway 2001:db8::1\n"
    )
    assert _uplink(text) == "eth0"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("up ip route add default via 192.0.2.1", "eth0"),
        ("post-up ip -6 route add default via fe80::1 dev eth0", "eth0"),
        ("up /sbin/ip r a default via 192.0.2.1 dev br0", "br0"),
        ("up ip -family inet6 route replace ::/0 via fe80::1", "eth0"),
        ("up ip link set eth0 mtu 9000 && ip route add 0.0.0.0/0 via 192.0.2.1 table main", "eth0"),
        ("up ip route add 10.0.0.0/8 via 192.0.2.1", None),
        ("up ip route add default via 192.0.2.1 table 100", None),
        ("up ip -n other route add default via 192.0.2.1", None),
        ("up ip route del default", None),
        ("up ip rule add from all lookup 100", None),
        ("pre-up echo default", None),
        ("up logger ip route add default via 192.0.2.1", None),
    ],
)
def test_uplink_from_a_command(command: str, expected: str | None) -> None:
    text = f"auto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n  {command}\n"
    assert _uplink(text) == expected


def test_uplink_ignores_interfaces_that_are_not_brought_up() -> None:
    text = "iface eth9 inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1\nauto eth0\niface eth0 inet manual\n"
    assert _uplink(text) is None
    assert _uplink("allow-hotplug eth9\n" + text) == "eth9"
    assert _uplink("auto eth0:1\niface eth0:1 inet static\n  address 10.0.0.1/8\n  gateway 10.0.0.254\n") == "eth0"


def test_two_uplinks_are_an_error() -> None:
    text = (
        "auto eth0 eth1\n"
        "iface eth0 inet static\n  address 192.0.2.2/24\n  gateway 192.0.2.1\n"
        "iface eth1 inet6 static\n  address 2001:db8::2/64\n  up ip -6 route add default via 2001:db8::1\n"
    )
    with pytest.raises(ConfigError, match=r"both eth0 \(.*interfaces:4\) and eth1 carry a default route") as info:
        _uplink(text)
    assert info.value.loc == Loc(DEST, 7)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("pre-up ip link add rc0 type dummy", ["rc0"]),
        ("pre-up /sbin/ip l a dev rc0 type dummy", ["rc0"]),
        ("pre-up ip link add link eth0 name eth0.7 type vlan id 7", ["eth0.7"]),
        ("pre-up ip link add address 02:00:00:00:00:01 mtu 1400 br9 type bridge", ["br9"]),
        ("up ip link add v0 type veth peer name v1 && ip link set v0 up", ["v0", "v1"]),
        ("pre-up ip -d link replace dum0 type dummy; ip tuntap add tap0 mode tap", ["dum0", "tap0"]),
        ("post-up ip tunnel add gre1 mode gre remote 192.0.2.9 dev eth0 ttl 64", ["gre1"]),
        ("pre-up ip link add v0 type veth peer name v1 netns other", ["v0"]),
        ("pre-up ip link add rc0 netns other type dummy", []),
        ("pre-up ip link add v0 netns other type veth peer name v1", ["v1"]),
        ("pre-up ip -n other link add rc0 type dummy", []),
        ("pre-up ip link set rc0 up", []),
        ("pre-up ip route add 10.0.0.0/8 dev eth0", []),
        ("pre-up echo ip link add rc0 type dummy >/dev/null", []),
        ("pre-up if ! ip link show rc0; then exec ip link add rc0 type dummy; fi", ["rc0"]),
    ],
)
def test_links_created_by_command_lines(command: str, expected: list[str]) -> None:
    text = f"auto eth0\niface eth0 inet manual\n  {command}\n"
    assert created_links(parse_text(text, DEST)) == dict.fromkeys(expected, Loc(DEST, 3))


def test_links_created_by_a_line_of_many_peers() -> None:
    text = "auto eth0\niface eth0 inet manual\n  pre-up ip link add v0" + " type veth peer" * 20_000 + "\n"
    assert created_links(parse_text(text, DEST)) == {"v0": Loc(DEST, 3)}


def test_links_created_only_by_interfaces_brought_up() -> None:
    text = "iface eth0 inet manual\n  pre-up ip link add rc0 type dummy\n"
    assert created_links(parse_text(text, DEST)) == {}
    assert created_links(parse_text("allow-hotplug eth0\n" + text, DEST)) == {"rc0": Loc(DEST, 3)}
    assert created_links(parse_text("iface lo inet loopback\n  down ip link add rc0 type dummy\nauto lo\n", DEST)) == {}


def test_block_p2p_needs_an_uplink() -> None:
    ipsec0, ipsec1 = _parse(SPEC_XFRM)
    no_uplink = parse_text("auto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n", DEST)
    assert block_p2p_uplink([ipsec0], no_uplink) is None
    with pytest.raises(ConfigError, match="BlockP2P needs the uplink of namespace tunnel2") as info:
        block_p2p_uplink([ipsec1], no_uplink)
    assert info.value.loc == Loc(PATH, 6)
    with_uplink = parse_text("auto eth0\niface eth0 inet dhcp\n  up ip route add default via 192.0.2.1\n", DEST)
    assert block_p2p_uplink([ipsec1], with_uplink) == "eth0"


# --- builders -------------------------------------------------------------------------------------


def test_xfrm_add_and_move() -> None:
    assert xfrm_add("strongswan", "ipsec0", 17, None, None) == Run(
        ("ip", "-n", "strongswan", "link", "add", "name", "ipsec0", "type", "xfrm", "if_id", "17")
    )
    run = xfrm_add("strongswan", "ipsec1", 0xFFFFFFFF, "ens5", 1400)
    assert run.sh() == "ip -n strongswan link add name ipsec1 mtu 1400 type xfrm dev ens5 if_id 4294967295"
    assert xfrm_move("strongswan", "ipsec1", "tunnel2").sh() == "ip -n strongswan link set dev ipsec1 netns tunnel2"


def test_routes_batch_of_the_spec_example() -> None:
    ipsec0, ipsec1 = _parse(SPEC_XFRM)
    assert routes_batch("tunnel", [ipsec0], None) == (
        Run(("ip", "-n", "tunnel", "-4", "-batch", "-"), stdin="route add 10.143.12.0/24 dev ipsec0\n"),
    )
    (run,) = routes_batch("tunnel2", [ipsec1], "eth0")
    assert run.argv == ("ip", "-n", "tunnel2", "-4", "-batch", "-")
    assert run.stdin == (
        "route add 10.143.14.0/23 dev ipsec1 table 1000\n"
        "route add 10.143.18.0/27 dev ipsec1 table 1000\n"
        "rule add iif eth0 lookup 1000\n"
    )
    # One batch command per line of the audited script: a changed prefix is one changed line.
    assert run.sh() == (
        "ip -n tunnel2 -4 -batch - <<'EOF'\n"
        "route add 10.143.14.0/23 dev ipsec1 table 1000\n"
        "route add 10.143.18.0/27 dev ipsec1 table 1000\n"
        "rule add iif eth0 lookup 1000\n"
        "EOF"
    )
    assert routes_delete_batch("tunnel", [ipsec0], None) == ()
    assert routes_delete_batch("tunnel2", [ipsec1], "eth0") == (
        Run(("ip", "-force", "-n", "tunnel2", "-4", "-batch", "-"), stdin="rule del iif eth0 lookup 1000\n"),
    )


def test_mixed_families_get_one_batch_each_and_rules_once_per_table() -> None:
    items = _parse(
        "[a]\nIfId=1\nDestNetNS=t\nPrefixes=10.1.0.0/16, 2001:db8:1::/48\nBlockP2P=on\n"
        "[b]\nIfId=2\nDestNetNS=t\nPrefixes=2001:db8:2::/48\nBlockP2P=on\n"
        "[c]\nIfId=3\nDestNetNS=t\nPrefixes=10.3.0.0/16\nBlockP2P=on\nTable=2000\n"
        "[d]\nIfId=4\nDestNetNS=t\nPrefixes=10.4.0.0/16, 2001:db8:4::/48\n"
    )
    v4, v6 = routes_batch("t", items, "uplink0")
    assert v4 == Run(
        ("ip", "-n", "t", "-4", "-batch", "-"),
        stdin="route add 10.1.0.0/16 dev a table 1000\n"
        "route add 10.3.0.0/16 dev c table 2000\n"
        "route add 10.4.0.0/16 dev d\n"
        "rule add iif uplink0 lookup 1000\n"
        "rule add iif uplink0 lookup 2000\n",
    )
    assert v6 == Run(
        ("ip", "-n", "t", "-6", "-batch", "-"),
        stdin="route add 2001:db8:1::/48 dev a table 1000\n"
        "route add 2001:db8:2::/48 dev b table 1000\n"
        "route add 2001:db8:4::/48 dev d\n"
        "rule add iif uplink0 lookup 1000\n",
    )
    d4, d6 = routes_delete_batch("t", items, "uplink0")
    assert d4.stdin == "rule del iif uplink0 lookup 1000\nrule del iif uplink0 lookup 2000\n"
    assert d6 == Run(("ip", "-force", "-n", "t", "-6", "-batch", "-"), stdin="rule del iif uplink0 lookup 1000\n")


def test_ipv6_only_needs_only_the_ipv6_batch() -> None:
    items = _parse("[a]\nIfId=1\nPrefixes=2001:db8::/32\nBlockP2P=true\n")
    (run,) = routes_batch("xfrm_strongswan", items, "eth0")
    assert run.argv == ("ip", "-n", "xfrm_strongswan", "-6", "-batch", "-")
    assert run.stdin == "route add 2001:db8::/32 dev a table 1000\nrule add iif eth0 lookup 1000\n"


def test_a_thousand_prefixes_are_one_process() -> None:
    prefixes = [ip_network(f"10.{i // 256}.{i % 256}.0/24") for i in range(1000)]
    text = f"[big]\nIfId=7\nPrefixes={', '.join(map(str, prefixes))}\nBlockP2P=true\n"
    (item,) = _parse(text)
    assert item.prefixes == tuple(prefixes)
    runs = routes_batch("xfrm_strongswan", [item], "eth0")
    assert len(runs) == 1
    lines = (runs[0].stdin or "").splitlines()
    assert len(lines) == 1001
    assert lines[0] == "route add 10.0.0.0/24 dev big table 1000"
    assert lines[999] == "route add 10.3.231.0/24 dev big table 1000"
    assert lines[1000] == "rule add iif eth0 lookup 1000"


def test_batch_refuses_items_of_another_namespace_or_missing_uplink() -> None:
    ipsec0, ipsec1 = _parse(SPEC_XFRM)
    with pytest.raises(ValueError, match=r"\[ipsec0\] goes into tunnel, not tunnel2"):
        routes_batch("tunnel2", [ipsec0, ipsec1], "eth0")
    with pytest.raises(ValueError, match="no uplink"):
        routes_batch("tunnel2", [ipsec1], None)
    with pytest.raises(ValueError, match="no uplink"):
        routes_delete_batch("tunnel2", [ipsec1], None)
    assert routes_batch("tunnel", [], None) == ()


def test_forwarding_per_family_in_use() -> None:
    ipsec0, _ = _parse(SPEC_XFRM)
    run = forwarding_on("tunnel", [ipsec0])
    assert run is not None
    assert run.sh() == "ip netns exec tunnel tee /proc/sys/net/ipv4/ip_forward >/dev/null <<'EOF'\n1\nEOF"
    (v6,) = _parse("[a]\nIfId=1\nPrefixes=2001:db8::/32\n")
    (mixed,) = _parse("[b]\nIfId=2\nPrefixes=2001:db8::/32, 10.0.0.0/8\n")
    assert forwarding_on("t", [v6]) == Run(
        ("ip", "netns", "exec", "t", "tee", "/proc/sys/net/ipv6/conf/all/forwarding"), stdin="1\n", quiet=True
    )
    mixed_run = forwarding_on("t", [mixed])
    assert mixed_run is not None
    assert mixed_run.argv[-2:] == ("/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding")
    assert forwarding_on("t", []) is None


def test_collect_mode_reports_every_error_of_the_file_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "xfrm"
    path.write_text(
        "[ok]\nIfId=1\nPrefixes=10.0.0.0/8\n"
        "[bad id]\nIfId=2\n"
        "[x]\nIfId=0x\nPrefixes=10.1.0.0/16\nColour=red\nMTU=9\n"
        "[y]\nPrefixes=10.2.0.0/16\n"
        "[z]\nIfId=1\nPrefixes=10.0.0.0/8, 10.3.0.0/16\n"
    )
    errors: list[ConfigError] = []
    items = parse_xfrm(str(path), "strongswan", errors)
    assert [item.name for item in items] == ["ok"]
    assert [(e.loc.line if e.loc else None, e.message.split(":")[0]) for e in errors] == [
        (4, "invalid interface name 'bad id'"),
        (7, "IfId=0x is not a number"),
        (9, "unknown key 'Colour' in [x]"),
        (10, "MTU 9 is out of range 68..65535"),
        (11, "[y] has no IfId= (it is mandatory)"),
        (14, "IfId 1 is also the IfId of [ok] (line 2)"),
    ]
    with pytest.raises(ConfigError) as info:
        parse_xfrm(str(path), "strongswan")
    assert info.value is not errors[0] and str(info.value) == str(errors[0])


def test_collect_mode_reports_clashes_between_sections_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "xfrm"
    path.write_text(
        "[a]\nIfId=1\nPrefixes=10.0.0.0/8\n[b]\nIfId=2\nPrefixes=10.0.0.0/8\n[a2]\nIfId=3\nPrefixes=10.9.0.0/16\n"
    )
    errors: list[ConfigError] = []
    assert [item.name for item in parse_xfrm(str(path), "strongswan", errors)] == ["a", "a2"]
    assert [str(e.loc) for e in errors] == [f"{path}:4"]
    assert "route 10.0.0.0/8 in the main table of namespace xfrm_strongswan" in errors[0].message
    missing: list[ConfigError] = []
    assert parse_xfrm(str(tmp_path / "none"), "strongswan", missing) == () and len(missing) == 1


def _readme_keys() -> dict[str, str]:
    """The README's table of xfrm keys: key (with ' (mandatory)') -> meaning."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = text.split("| key | meaning |\n| --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("|").split(" | ", 1) for line in table.splitlines()]
    return {key.strip(): meaning.strip() for key, meaning in rows}


def test_the_key_table_is_the_readmes() -> None:
    rows = _readme_keys()
    assert next(iter(rows)) == "section name"
    documented = [(key.split("`")[1], "(mandatory)" in key) for key in list(rows)[1:]]
    assert documented == [(key.name, key.required) for key in TABLE]
    for key, meaning in zip(TABLE, list(rows.values())[1:], strict=True):
        assert meaning.startswith(key.help), (key.name, meaning)
        if key.default is not None:
            assert f"default `{key.default}`" in meaning or f"default **{key.default}**" in meaning, key.name


def test_defaults_come_from_the_table() -> None:
    (item,) = parse_xfrm_text("[x]\nIfId=1\nPrefixes=10.0.0.0/8\n", "gw")
    assert (item.dest_netns, item.block_p2p, item.table, item.mtu, item.underlay) == (
        "xfrm_gw",
        False,
        1000,
        None,
        None,
    )
