# SPDX-License-Identifier: GPL-3.0-or-later
"""WireGuard: every validation error of a WG.conf file, check's view of them, and golden plans."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from netns_helper import world
from netns_helper.check import check
from netns_helper.commands import script
from netns_helper.errors import ConfigError, Loc
from netns_helper.facts import Facts, Paths
from netns_helper.interfaces import parse_text
from netns_helper.ipjson import Link
from netns_helper.lifecycle import Refused, start_check
from netns_helper.planner import plan_start, plan_stop
from netns_helper.rules import Live
from netns_helper.wireguard import WG_QUICK_KEYS, WireGuard, conflicts, key_file_problems, load, parse

from ..examples import README_VPN as VPN
from .golden import check_golden


def key(n: int) -> str:
    return base64.b64encode(bytes([n]) * 32).decode()


WG0 = f"""\
[Interface]
PrivateKey = {key(1)}
ListenPort = 51821

[Peer]
PublicKey = {key(2)}
Endpoint = 192.0.2.2:51820
AllowedIPs = 0.0.0.0/0, ::/0
"""


def write(root: Path, netns: str, interfaces: str, confs: dict[str, str], mode: int = 0o600) -> None:
    (root / f"etc/netns/{netns}/network").mkdir(parents=True, exist_ok=True)
    (root / f"etc/netns/{netns}/network/interfaces").write_text(interfaces)
    (root / f"etc/netns/{netns}/wireguard").mkdir(exist_ok=True)
    for name, text in confs.items():
        path = root / f"etc/netns/{netns}/wireguard/{name}.conf"
        path.write_text(text)
        os.chmod(path, mode)


def errors_of(tmp_path: Path, text: str, mode: int = 0o600) -> list[str]:
    path = tmp_path / "wg0.conf"
    path.write_text(text)
    os.chmod(path, mode)
    errors: list[ConfigError] = []
    parse(str(path), "wg0", None, errors)
    return [str(e).replace(str(tmp_path) + "/", "") for e in errors]


def test_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "wg0.conf"
    path.write_text(WG0.replace("AllowedIPs", "allowed ips  ") + "AllowedIPs = 10.9.0.1 # a host\n")
    os.chmod(path, 0o600)
    errors: list[ConfigError] = []
    item = parse(str(path), "wg0", None, errors)
    assert errors == []
    assert item is not None
    assert (item.name, item.listen_port, item.birth) == ("wg0", 51821, None)
    (peer,) = item.peers
    assert (peer.public_key, peer.endpoint) == (key(2), "192.0.2.2:51820")
    # wg drops white space inside a line too; AllowedIPs lines add up.
    assert [str(p) for p in peer.allowed_ips] == ["0.0.0.0/0", "::/0", "10.9.0.1/32"]


@pytest.mark.parametrize("word", sorted(WG_QUICK_KEYS))
def test_every_wg_quick_key_is_an_error_with_where_it_belongs(tmp_path: Path, word: str) -> None:
    spelled = {"preup": "PreUp", "postup": "PostUp", "predown": "PreDown", "postdown": "PostDown"}.get(word, word)
    (error,) = errors_of(tmp_path, WG0.replace("ListenPort = 51821", f"{spelled.title()} = x"))
    assert error.startswith(f"wg0.conf:3: error: {spelled.title()} is a wg-quick(8) key, which `wg setconf` refuses")
    assert "hint: it belongs in " in error


def test_wg_quick_hints_name_the_interfaces_option(tmp_path: Path) -> None:
    text = WG0 + "Address = 10.66.0.2/24\nDNS = 10.77.0.53\nMTU = 1420\nPostUp = true\nSaveConfig = true\n"
    hints = [e.split("hint: ", 1)[1] for e in errors_of(tmp_path, text)]
    assert hints == [
        "it belongs in an `address ADDR/LEN` line of `iface wg0 inet static` (or `inet6 static`) "
        "in the interfaces file",
        "it belongs in `dns-nameservers ADDR...` in the iface wg0 stanza of the interfaces file",
        "it belongs in an `mtu N` line of the iface wg0 stanza in the interfaces file",
        "it belongs in an `up` line of the iface wg0 stanza in the interfaces file",
        "it belongs in nowhere: the file is only read; `wg showconf wg0` prints the running configuration",
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (f"PrivateKey = {key(1)}", f"PrivateKey = {key(1)[:-1]}", "2: error: PrivateKey is not a key"),
        (f"PrivateKey = {key(1)}", "PrivateKey = " + "A" * 43 + "$", "2: error: PrivateKey is not a key"),
        (f"PrivateKey = {key(1)}", "PrivateKey = " + base64.b64encode(b"x" * 31).decode() + "AAAA", "2: error"),
        (f"PublicKey = {key(2)}", "PublicKey = nope", "6: error: PublicKey is not a key"),
        ("[Peer]", f"[Peer]\nPresharedKey = {key(3)[:-2]}", "6: error: PresharedKey is not a key"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = 192.0.2.2", "7: error: Endpoint 192.0.2.2 has no :PORT"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = 192.0.2.2:0", "port '0' is not a number in 1..65535"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = 192.0.2.2:65536", "port '65536' is not a number"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = 2001:db8::1:51820", "an IPv6 address needs brackets"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = [2001:db8::x]:51820", "is not an IPv6 address in brackets"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = 300.1.1.1:51820", "'300.1.1.1' is neither an IPv4 address"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = -bad.example:51820", "is neither an IPv4 address nor a host"),
        ("Endpoint = 192.0.2.2:51820", "Endpoint = a_b.example:51820", "is neither an IPv4 address nor a host"),
        ("AllowedIPs = 0.0.0.0/0, ::/0", "AllowedIPs = 10.0.0.0/33", "8: error: AllowedIPs has '10.0.0.0/33'"),
        ("AllowedIPs = 0.0.0.0/0, ::/0", "AllowedIPs = 10.0.0.0/8,,::/0", "AllowedIPs has an empty entry"),
        ("AllowedIPs = 0.0.0.0/0, ::/0", "AllowedIPs = example.org", "AllowedIPs has 'example.org'"),
        ("ListenPort = 51821", "ListenPort = 65536", "3: error: ListenPort 65536 is not a number in 0..65535"),
        ("ListenPort = 51821", "ListenPort = https", "ListenPort https is not a number"),
        ("ListenPort = 51821", "FwMark = 0x1ffffffff", "FwMark 0x1ffffffff is not a number in 0..4294967295"),
        ("[Peer]", "[Peer]\nPersistentKeepalive = 70000", "PersistentKeepalive 70000 is not a number"),
        ("ListenPort = 51821", "ListenPort = 51821\nListenPort = 1", "4: error: ListenPort is already set at line 3"),
        ("ListenPort = 51821", "ListenPort =", "3: error: ListenPort has no value"),
        (
            "ListenPort = 51821",
            "ListenPrt = 1",
            "unknown key 'ListenPrt' in [Interface]\n  hint: did you mean ListenPort?",
        ),
        ("ListenPort = 51821", "Endpoint = 192.0.2.9:1", "hint: Endpoint belongs in a [Peer] section"),
        ("Endpoint = 192.0.2.2:51820", "ListenPort = 1", "hint: ListenPort belongs in [Interface]"),
        ("Endpoint = 192.0.2.2:51820", "Colour = blue", "hint: known keys: PublicKey, PresharedKey"),
        ("[Peer]", "[Pear]", "5: error: unknown section [Pear]"),
        ("ListenPort = 51821", "just words", "3: error: expected `[Section]` or `Key = Value`: the line has no '='"),
        ("[Interface]", "ListenPort = 1\n[Interface]", "1: error: `ListenPort =` outside any section"),
        (
            "ListenPort = 51821",
            "ListenPort = 1\n[Interface]",
            "4: error: a second [Interface] (the first is at line 1)",
        ),
        (
            f"PrivateKey = {key(1)}",
            "",
            "1: error: [Interface] has no PrivateKey\n  hint: generate one with `wg genkey`",
        ),
        (f"PublicKey = {key(2)}", "", "5: error: [Peer] has no PublicKey"),
        (
            "AllowedIPs = 0.0.0.0/0, ::/0",
            f"[Peer]\nPublicKey = {key(2)}",
            "8: error: this peer's PublicKey is also the one at line 5",
        ),
        ("[Interface]", "[Peer]", "error: wg0.conf: no [Interface] section"),
        ("ListenPort = 51821", "ListenPort = \xff", "ListenPort"),
    ],
)
def test_each_validation_error(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = WG0.replace(old, new, 1)
    assert text != WG0
    errors = errors_of(tmp_path, text)
    assert any(message in e for e in errors), errors


def test_no_error_message_quotes_a_key(tmp_path: Path) -> None:
    pasted = WG0.replace(f"PrivateKey = {key(1)}", f"PrivateKey = {key(1)}\n{key(1)}\nPrivateKey {key(1)}")
    pasted = pasted.replace(f"PublicKey = {key(2)}", f"PublicKey = {key(2)[:-1]}")
    errors = errors_of(tmp_path, pasted + f"PresharedKey = {key(3)}x\n")
    assert len(errors) == 4, errors
    assert not any(k[:20] in e for e in errors for k in (key(1), key(2), key(3)))


def test_case_of_keys_and_sections_does_not_matter_to_wg(tmp_path: Path) -> None:
    assert errors_of(tmp_path, WG0.replace("[Interface]", "[interface]").replace("PublicKey", "publickey")) == []


def test_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "wg0.conf"
    path.write_bytes(WG0.encode() + b"# \xff\n")
    os.chmod(path, 0o600)
    errors: list[ConfigError] = []
    parse(str(path), "wg0", None, errors)
    assert [str(e) for e in errors] == [f"{path}:9: error: line is not valid UTF-8 text"]


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620, 0o644])
def test_a_key_file_others_can_read_or_change(tmp_path: Path, mode: int) -> None:
    (error,) = errors_of(tmp_path, WG0, mode)
    assert error == (
        f"error: wg0.conf: holds a private key, but its mode {mode:04o} lets others read or change it\n"
        "  hint: chmod 600 wg0.conf"
    )


def test_a_key_file_owned_by_another_user() -> None:
    (error,) = key_file_problems("/etc/netns/vpn/wireguard/wg0.conf", 0o600, 1000, 0)
    assert str(error) == (
        "error: /etc/netns/vpn/wireguard/wg0.conf: holds a private key but is owned by uid 1000\n"
        "  hint: chown root: /etc/netns/vpn/wireguard/wg0.conf"
    )
    assert key_file_problems("/f", 0o600, 0, 0) == key_file_problems("/f", 0o400, 1000, 1000) == []


def names_of(tmp_path: Path, interfaces: str, confs: dict[str, str]) -> tuple[list[str], tuple[WireGuard, ...]]:
    write(tmp_path, "vpn", interfaces, confs)
    errors: list[ConfigError] = []
    etc = tmp_path / "etc/netns/vpn"
    config = parse_text(interfaces, str(etc / "network/interfaces"))
    items = load("vpn", str(etc), config, errors)
    return [str(e).replace(str(tmp_path), "") for e in errors], items


def test_interface_names_over_15_bytes(tmp_path: Path) -> None:
    errors, items = names_of(tmp_path, VPN, {"wireguard-uplink0": WG0})
    assert items == ()
    assert errors == [
        "error: /etc/netns/vpn/wireguard/wireguard-uplink0.conf: interface name 'wireguard-uplink0' is longer "
        "than 15 bytes\n  hint: the kernel limits network interface names to 15 bytes"
    ]


def test_a_file_whose_interface_is_not_brought_up(tmp_path: Path) -> None:
    errors, items = names_of(tmp_path, VPN, {"wg0": WG0, "wg1": WG0.replace("51821", "51822")})
    assert [i.name for i in items] == ["wg0"]
    assert errors == [
        "error: /etc/netns/vpn/wireguard/wg1.conf: /etc/netns/vpn/network/interfaces does not bring up wg1 "
        "with `auto wg1`\n"
        "  hint: add `auto wg1` and an `iface wg1 inet static` stanza with its address"
    ]


def test_allow_hotplug_is_not_enough(tmp_path: Path) -> None:
    errors, items = names_of(tmp_path, VPN.replace("auto wg0", "allow-hotplug wg0"), {"wg0": WG0})
    assert items == ()
    assert errors == [
        "error: /etc/netns/vpn/wireguard/wg0.conf: /etc/netns/vpn/network/interfaces does not bring up wg0 "
        "with `auto wg0`\n"
        "  hint: add `auto wg0` and an `iface wg0 inet static` stanza with its address"
    ]


def test_birth_namespace_option(tmp_path: Path) -> None:
    interfaces = VPN.replace("    dns-nameservers", "    wireguard-birth-netns uplink\n    dns-nameservers")
    errors, (item,) = names_of(tmp_path, interfaces, {"wg0": WG0})
    assert errors == []
    assert (item.birth, item.birth_loc) == ("uplink", Loc(str(tmp_path / "etc/netns/vpn/network/interfaces"), 8))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("    wireguard-birth-netns vpn", "8: error: wireguard-birth-netns vpn is the namespace wg0 goes into"),
        ("    wireguard-birth-netns ../x", "8: error: invalid namespace name '../x'"),
        ("    wireguard-birth-netns a\n    wireguard-birth-netns b", "9: error: wg0 has two birth namespaces: a, b"),
    ],
)
def test_birth_namespace_errors(tmp_path: Path, lines: str, message: str) -> None:
    errors, items = names_of(
        tmp_path, VPN.replace("    dns-nameservers", f"{lines}\n    dns-nameservers"), {"wg0": WG0}
    )
    assert items == ()
    assert len(errors) == 1 and message in errors[0], errors


def test_listen_ports_of_one_birth_namespace_conflict() -> None:
    a = WireGuard("wg0", "/etc/netns/a/wireguard/wg0.conf", None, 51820, ())
    b = WireGuard("wg0", "/etc/netns/b/wireguard/wg0.conf", None, 51820, ())
    c = WireGuard("wg0", "/etc/netns/c/wireguard/wg0.conf", "uplink", 51820, ())
    (error,) = conflicts({"a": (a,), "b": (b,), "c": (c,)}, None)
    assert str(error) == (
        "error: /etc/netns/b/wireguard/wg0.conf: ListenPort 51820 is also that of /etc/netns/a/wireguard/wg0.conf, "
        "and both sockets live in the host\n  hint: give each interface of one birth namespace its own ListenPort"
    )
    assert conflicts({"a": (a,), "b": (b,)}, {"c"}) == []


# --- check and start share the rules -------------------------------------------------------------


def test_check_reports_every_problem_and_no_host_nic_warning(tmp_path: Path) -> None:
    write(tmp_path, "vpn", VPN, {"wg0": WG0.replace("ListenPort", "MTU")})
    paths = Paths(etc=f"{tmp_path}/etc", run=f"{tmp_path}/run")
    problems = [str(p).replace(str(tmp_path), "") for p in check(paths, ["vpn"], None)]
    assert problems == [
        "/etc/netns/vpn/wireguard/wg0.conf:3: error: MTU is a wg-quick(8) key, which `wg setconf` refuses "
        "(hint: it belongs in an `mtu N` line of the iface wg0 stanza in /etc/netns/vpn/network/interfaces)"
    ]
    write(tmp_path, "vpn", VPN, {"wg0": WG0})
    assert check(paths, ["vpn"], None) == []


def test_check_and_start_refuse_a_birth_namespace_that_is_not_running(tmp_path: Path) -> None:
    interfaces = VPN.replace("    dns-nameservers", "    wireguard-birth-netns uplink\n    dns-nameservers")
    write(tmp_path, "vpn", interfaces, {"wg0": WG0})
    paths = Paths(etc=f"{tmp_path}/etc", run=f"{tmp_path}/run", proc=f"{tmp_path}/proc")
    assert check(paths, ["vpn"], None) == []  # the files alone are fine
    (error,) = check(paths, ["vpn"], Live())
    assert str(error) == (
        f"{tmp_path}/etc/netns/vpn/network/interfaces:8: error: the birth namespace uplink of wg0 does not exist "
        "(hint: start it first (systemd-netns@uplink.service, with After= and Requires= on it), "
        "or drop wireguard-birth-netns to create wg0 in the host)"
    )
    assert check(paths, ["vpn"], Live(namespaces=frozenset({"uplink"}))) == []
    # start judges the same rule on its own facts, before any change
    with pytest.raises(Refused) as refused:
        start_check(world.load(paths), "vpn", lambda argv: '[{"ifname": "lo"}]' if "-j" in argv else "")
    assert refused.value.problems == (error,)


def test_live_rules_never_look_for_a_wireguard_interface_on_the_host(tmp_path: Path) -> None:
    write(
        tmp_path,
        "vpn",
        VPN2.replace("    wireguard-birth-netns uplink\n", ""),
        {"wg0": WG0, "wg1": WG0.replace("51821", "51822")},
    )
    paths = Paths(etc=f"{tmp_path}/etc", run=f"{tmp_path}/run")
    assert check(paths, ["vpn"], Live()) == []  # neither is on the host: start creates them
    # the host's own wg0 is not the namespace's: never moved in, never claimed
    host_wg0 = Live(host_links={"wg0": Link("wg0", "wireguard")})
    assert check(paths, ["vpn"], host_wg0) == []
    facts = Facts(host_links=host_wg0.host_links)
    items = world.load(paths).wireguard["vpn"]
    plan = script([plan_start("vpn", parse_text(VPN2), facts, PATHS, None, items)])
    assert "ip link set dev wg0 netns vpn" not in plan


def test_start_refuses_what_check_reports(tmp_path: Path) -> None:
    write(tmp_path, "vpn", VPN, {"wg0": WG0.replace("ListenPort", "DNS")})
    paths = Paths(etc=f"{tmp_path}/etc", run=f"{tmp_path}/run")
    with pytest.raises(Refused, match="DNS is a wg-quick"):
        start_check(world.load(paths), "vpn", lambda argv: "")
    write(tmp_path, "vpn", VPN, {"wg0": WG0})
    (item,) = world.load(paths).wireguard["vpn"]
    assert item.path == f"{tmp_path}/etc/netns/vpn/wireguard/wg0.conf"


# --- plans -----------------------------------------------------------------------------------------

PATHS = Paths()
HOST = {"lo": Link("lo"), "eth0": Link("eth0"), "wg0": Link("wg0", "wireguard")}  # the host has a wg0 of its own
WG_HOST = WireGuard("wg0", "/etc/netns/vpn/wireguard/wg0.conf", None, 51821, ())
WG_UPLINK = WireGuard("wg1", "/etc/netns/vpn/wireguard/wg1.conf", "uplink", None, (), Loc("interfaces", 14))
VPN2 = VPN + "\nauto wg1\niface wg1 inet static\n    address 10.67.0.2/24\n    wireguard-birth-netns uplink\n"


def test_golden_start() -> None:
    facts = Facts(namespaces=frozenset({"uplink"}), host_links=HOST)
    text = check_golden(
        "start-wireguard", plan_start("vpn", parse_text(VPN2), facts, PATHS, None, (WG_HOST, WG_UPLINK))
    )
    assert "PrivateKey" not in text and key(1) not in text


def test_start_undoes_in_reverse() -> None:
    facts = Facts(namespaces=frozenset({"uplink"}), host_links=HOST)
    plan = plan_start("vpn", parse_text(VPN2), facts, PATHS, None, (WG_UPLINK,))
    undo = [" ".join(map(str, a.argv)) for s in plan.steps for a in s.undo if hasattr(a, "argv")]
    temp = WG_UPLINK.temp_name("vpn")
    assert undo[-3:-1] == [
        f"ip -n uplink link delete dev {temp}",
        f"ip -n vpn link set dev wg1 netns uplink name {temp}",
    ]


def test_birth_namespace_must_exist_before_start() -> None:
    with pytest.raises(ConfigError) as e:
        plan_start("vpn", parse_text(VPN2), Facts(host_links=HOST), PATHS, None, (WG_HOST, WG_UPLINK))
    assert str(e.value) == (
        "interfaces:14: error: the birth namespace uplink of wg1 does not exist\n"
        "  hint: start it first (systemd-netns@uplink.service, with After= and Requires= on it), "
        "or drop wireguard-birth-netns to create wg1 in the host"
    )


def test_stale_namespace_loses_its_wireguard_interface_first() -> None:
    facts = Facts(namespaces=frozenset({"vpn"}), host_links=HOST, ns_links={"wg0": Link("wg0", "wireguard")})
    lines = script([plan_start("vpn", parse_text(VPN), facts, PATHS, None, (WG_HOST,))]).splitlines()
    temp = WG_HOST.temp_name("vpn")
    assert lines.index("ip -n vpn link delete dev wg0 || rc=1") < lines.index("ip netns add vpn")
    assert lines.index("ip netns add vpn") < lines.index(f"ip link set dev {temp} netns vpn name wg0")
    assert not any("wg0 netns" in line for line in lines)  # never moved back to the host


def test_an_interface_left_by_a_killed_start_is_deleted_first() -> None:
    temp = WG_HOST.temp_name("vpn")
    facts = Facts(host_links={**HOST, temp: Link(temp, "wireguard")})
    lines = script([plan_start("vpn", parse_text(VPN), facts, PATHS, None, (WG_HOST,))]).splitlines()
    at = lines.index(f"ip link add dev {temp} type wireguard")
    assert lines[at - 1] == f"ip link delete dev {temp}"
    plain = script([plan_start("vpn", parse_text(VPN), Facts(host_links=HOST), PATHS, None, (WG_HOST,))])
    assert f"ip link delete dev {temp}" not in plain


def test_temporary_names_differ_by_namespace() -> None:
    names = {WG_HOST.temp_name(ns) for ns in ("vpn", "vpn2", "a", "b")}
    assert len(names) == 4
    assert all(len(n) <= 15 for n in names)


def test_golden_stop_deletes_the_interfaces() -> None:
    facts = Facts(
        namespaces=frozenset({"vpn"}),
        ns_links={"lo": Link("lo"), "wg0": Link("wg0", "wireguard"), "wg1": Link("wg1", "wireguard")},
    )
    check_golden("stop-wireguard", plan_stop("vpn", parse_text(VPN2), facts, PATHS))
    # Even with the configuration gone: what runs is what is deleted.
    assert plan_stop("vpn", None, facts, PATHS) == plan_stop("vpn", parse_text(VPN2), facts, PATHS)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), "is a directory, not a configuration file"),
        (lambda p: p.symlink_to("/dev/zero"), "not a regular file"),
        (lambda p: os.mkfifo(p), "not a regular file"),
        (lambda p: p.symlink_to(p.parent / "missing"), "no such file"),
        (lambda p: p.write_bytes(b"#" * (1 << 21)), "file larger than 1048576 bytes"),
    ],
)
def test_hostile_files_are_errors_not_crashes(tmp_path: Path, make: Callable[[Path], object], message: str) -> None:
    path = tmp_path / "wg0.conf"
    make(path)
    errors: list[ConfigError] = []
    assert parse(str(path), "wg0", None, errors) is None
    assert [message in str(e) for e in errors] == [True]
