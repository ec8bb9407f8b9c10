# SPDX-License-Identifier: GPL-3.0-or-later
"""WireGuard in `status` and `metrics`: `wg show all dump` output, faked, parsed for both."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_subprocess import FakeProcess

from netns_helper import status
from netns_helper.cli import main
from netns_helper.facts import Paths
from netns_helper.wireguard import InterfaceState, PeerState, parse_dump, status_rows

from .test_metrics import LINKS, mv, query_links
from .test_status import LO, link

PRIVATE = base64.b64encode(b"\x01" * 32).decode()
PUBLIC = base64.b64encode(b"\x02" * 32).decode()
PEER1 = base64.b64encode(b"\x03" * 32).decode()
PEER2 = base64.b64encode(b"\x04" * 32).decode()
PSK = base64.b64encode(b"\x05" * 32).decode()
# What `wg show all dump` prints (wireguard-tools 1.0.20210914): tab-separated, private keys too.
DUMP = (
    f"wg0\t{PRIVATE}\t{PUBLIC}\t51821\toff\n"
    f"wg0\t{PEER1}\t{PSK}\t192.0.2.2:51820\t0.0.0.0/0,::/0\t1796117443\t1020\t1092\t25\n"
    f"wg0\t{PEER2}\t(none)\t(none)\t(none)\t0\t0\t0\toff\n"
    f"wg1\t{PRIVATE}\t{PEER2}\t0\t0x2a\n"
)
SHOW_DUMP = ["ip", "netns", "exec", "vpn", "wg", "show", "all", "dump"]
VPN = "auto lo\niface lo inet loopback\n\nauto wg0 wg1\niface wg0 inet manual\niface wg1 inet manual\n"


def test_parse_dump_keeps_no_secret() -> None:
    states = parse_dump(DUMP)
    assert states == (
        InterfaceState(
            "wg0",
            PUBLIC,
            51821,
            (
                PeerState(PEER1, "192.0.2.2:51820", ("0.0.0.0/0", "::/0"), 1796117443, 1020, 1092),
                PeerState(PEER2, None, (), 0, 0, 0),
            ),
        ),
        InterfaceState("wg1", PEER2, 0, ()),
    )
    assert PRIVATE not in repr(states) and PSK not in repr(states)


def test_parse_dump_refuses_what_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="unexpected line in `wg show all dump` output: 3 fields"):
        parse_dump("wg0\ta\tb\n")
    assert parse_dump("") == ()


def test_status_rows() -> None:
    assert status_rows(parse_dump(DUMP), now=1796117443 + 21) == [
        ("wireguard", f"wg0 public key {PUBLIC}, listening on port 51821"),
        (
            "peer",
            f"{PEER1} endpoint 192.0.2.2:51820, allowed ips 0.0.0.0/0, ::/0, latest handshake 21 s ago, "
            "received 1020 B, sent 1092 B",
        ),
        ("peer", f"{PEER2} endpoint none, allowed ips none, no handshake yet, received 0 B, sent 0 B"),
        ("wireguard", f"wg1 public key {PEER2}, no listening port"),
    ]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "etc/netns/vpn/network").mkdir(parents=True)
    (tmp_path / "etc/netns/vpn/network/interfaces").write_text(VPN)
    (tmp_path / "run/netns").mkdir(parents=True)
    (tmp_path / "run/netns/vpn").touch()
    (tmp_path / "textfiles").mkdir()
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


def test_status_asks_wg_and_shows_peers(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(
        ["ip", "-n", "vpn", "-j", "-d", "addr", "show"],
        stdout=json.dumps([LO, link("wg0", "10.66.0.2/24", kind="wireguard"), link("wg1", kind="wireguard")]),
    )
    fp.register(SHOW_DUMP, stdout=DUMP)
    (ns,) = status.gather(Paths(etc=f"{root}/etc", run=f"{root}/run"), _query)
    assert ns.ok, ns.problems
    assert [i.name for i in ns.wireguard] == ["wg0", "wg1"]
    text = status.as_text([ns], now=1796117443 + 5)
    assert (
        f"  peer            {PEER1} endpoint 192.0.2.2:51820, allowed ips 0.0.0.0/0, ::/0, latest handshake 5 s" in text
    )
    assert PRIVATE not in text and PSK not in text
    fp.register(SHOW_DUMP, stdout=DUMP)
    fp.register(["ip", "-n", "vpn", "-j", "-d", "addr", "show"], stdout=json.dumps([LO, link("wg0", kind="wireguard")]))
    code = main(["status", "--json", "vpn"])
    out = capsys.readouterr().out
    assert code == 1  # wg1 is configured but missing
    peers = json.loads(out)["namespaces"][0]["wireguard"][0]["peers"]
    assert peers[0] == {
        "public_key": PEER1,
        "endpoint": "192.0.2.2:51820",
        "allowed_ips": ["0.0.0.0/0", "::/0"],
        "latest_handshake": 1796117443,
        "rx_bytes": 1020,
        "tx_bytes": 1092,
    }
    assert PRIVATE not in out and PSK not in out


def test_status_says_when_wg_cannot_be_read(root: Path, fp: FakeProcess) -> None:
    fp.register(["ip", "-n", "vpn", "-j", "-d", "addr", "show"], stdout=json.dumps([LO, link("wg0", kind="wireguard")]))
    fp.register(SHOW_DUMP, returncode=1, stderr='exec of "wg" failed: No such file or directory')
    (ns,) = status.gather(Paths(etc=f"{root}/etc", run=f"{root}/run"), _query)
    assert ns.wireguard == ()
    assert any("cannot read the WireGuard interfaces of vpn" in p and "No such file" in p for p in ns.problems)


def _query(argv: tuple[str, ...]) -> str:
    from netns_helper.executor import Executor

    return Executor().query(argv)


def test_metrics_per_peer(root: Path, fp: FakeProcess) -> None:
    wg_links = [*LINKS[:2], {"ifname": "wg0", "flags": ["NOARP", "UP", "LOWER_UP"], "operstate": "UNKNOWN",
                             "linkinfo": {"info_kind": "wireguard"}, "stats64": LINKS[1]["stats64"]}]  # fmt: skip
    fp.register(query_links("vpn"), stdout=json.dumps(wg_links))
    fp.register(SHOW_DUMP, stdout=DUMP)
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    text = (root / "textfiles/netns_helper.prom").read_text()
    assert PRIVATE not in text and PSK not in text
    found = {f.name: f for f in text_string_to_metric_families(text)}

    def values(name: str) -> dict[str, float]:
        return {f"{s.labels['interface']} {s.labels['public_key']}": s.value for s in found[name].samples}

    assert found["netns_helper_wireguard_peer_receive_bytes"].type == "counter"
    assert values("netns_helper_wireguard_peer_receive_bytes") == {f"wg0 {PEER1}": 1020, f"wg0 {PEER2}": 0}
    assert values("netns_helper_wireguard_peer_transmit_bytes") == {f"wg0 {PEER1}": 1092, f"wg0 {PEER2}": 0}
    assert values("netns_helper_wireguard_peer_latest_handshake_seconds") == {
        f"wg0 {PEER1}": 1796117443,
        f"wg0 {PEER2}": 0,
    }
    (age,) = found["netns_helper_wireguard_peer_handshake_age_seconds"].samples  # PEER2 never had one
    assert age.labels == {"netns": "vpn", "interface": "wg0", "public_key": PEER1}
    assert age.value > 0


def test_metrics_without_wg_keep_the_links(root: Path, fp: FakeProcess) -> None:
    wg_link = {"ifname": "wg0", "flags": ["NOARP"], "operstate": "DOWN", "linkinfo": {"info_kind": "wireguard"}}
    fp.register(query_links("vpn"), stdout=json.dumps([wg_link]))
    fp.register(SHOW_DUMP, returncode=1, stderr='exec of "wg" failed')
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    assert 'netns_helper_link_up{netns="vpn",link="wg0"} 0' in (root / "textfiles/netns_helper.prom").read_text()
    assert os.listdir(root / "textfiles") == ["netns_helper.prom"]


# --- start and stop through the command line ---------------------------------------------------

WG0_CONF = f"[Interface]\nPrivateKey = {PRIVATE}\n\n[Peer]\nPublicKey = {PEER1}\nAllowedIPs = 0.0.0.0/0\n"
QUERY_HOST = ["ip", "-j", "-d", "link", "show"]


@pytest.fixture
def vpn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "etc/netns/vpn/network").mkdir(parents=True)
    (tmp_path / "etc/netns/vpn/network/interfaces").write_text(
        "auto lo\niface lo inet loopback\n\nauto wg0\niface wg0 inet static\n    address 10.66.0.2/24\n"
    )
    (tmp_path / "etc/netns/vpn/wireguard").mkdir()
    (tmp_path / "etc/netns/vpn/wireguard/wg0.conf").write_text(WG0_CONF)
    os.chmod(tmp_path / "etc/netns/vpn/wireguard/wg0.conf", 0o600)
    (tmp_path / "run/netns").mkdir(parents=True)
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


def _wg_steps(root: Path) -> tuple[list[list[str]], str]:
    from netns_helper.wireguard import WireGuard

    temp = WireGuard("wg0", "", None, None, ()).temp_name("vpn")
    return [
        ["ip", "netns", "add", "vpn"],
        ["ip", "-n", "vpn", "link", "set", "dev", "lo", "up"],
        ["ip", "link", "add", "dev", temp, "type", "wireguard"],
        ["wg", "setconf", temp, f"{root}/etc/netns/vpn/wireguard/wg0.conf"],
        ["ip", "link", "set", "dev", temp, "netns", "vpn", "name", "wg0"],
        ["ip", "netns", "exec", "vpn", "ifup", "-a", f"--state-dir={root}/run/network/netns/vpn"],
    ], temp


def test_start_runs_wg_setconf_with_the_file(vpn: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(QUERY_HOST, stdout=json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}]))
    steps, _ = _wg_steps(vpn)
    for cmd in steps:
        fp.register(cmd)
    assert main(["--verbose", "start", "vpn"]) == 0
    assert [list(c) for c in fp.calls] == [QUERY_HOST, *steps]
    assert PRIVATE not in capsys.readouterr().err


def test_failing_wg_setconf_is_undone(vpn: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(QUERY_HOST, stdout=json.dumps([{"ifname": "lo"}]))
    steps, temp = _wg_steps(vpn)
    for cmd in steps[:3]:
        fp.register(cmd)
    fp.register(steps[3], returncode=1, stderr="Name or service not known: `peer.example:51820'")
    undo = [["ip", "link", "delete", "dev", temp], ["ip", "netns", "delete", "vpn"]]
    for cmd in undo:
        fp.register(cmd)
    assert main(["start", "vpn"]) == 1
    assert [list(c) for c in fp.calls] == [QUERY_HOST, *steps[:4], *undo]
    err = capsys.readouterr().err
    assert f"wg setconf {temp} {vpn}/etc/netns/vpn/wireguard/wg0.conf: exit code 1: Name or service" in err
    assert not (vpn / "run/network/netns/vpn").exists()


def test_failing_ifup_moves_it_back_and_deletes_it(vpn: Path, fp: FakeProcess) -> None:
    fp.register(QUERY_HOST, stdout=json.dumps([{"ifname": "lo"}]))
    steps, temp = _wg_steps(vpn)
    fp.register(steps[0], callback=lambda _: (vpn / "run/netns/vpn").touch())  # end_processes reads it
    for cmd in steps[1:5]:
        fp.register(cmd)
    fp.register(steps[5], returncode=1, stderr="ifup: failed")
    undo = [
        ["ip", "netns", "exec", "vpn", "ifdown", "-a", "--force", f"--state-dir={vpn}/run/network/netns/vpn"],
        ["ip", "-n", "vpn", "link", "set", "dev", "wg0", "netns", str(os.getpid()), "name", temp],
        ["ip", "link", "delete", "dev", temp],
        ["ip", "netns", "delete", "vpn"],
    ]
    for cmd in undo:
        fp.register(cmd)
    assert main(["start", "vpn"]) == 1
    assert [list(c) for c in fp.calls] == [QUERY_HOST, *steps, *undo]


def test_stop_deletes_it_even_without_its_file(vpn: Path, fp: FakeProcess) -> None:
    (vpn / "run/netns/vpn").touch()
    (vpn / "etc/netns/vpn/wireguard/wg0.conf").unlink()
    links = [{"ifname": "lo"}, {"ifname": "wg0", "linkinfo": {"info_kind": "wireguard"}}]
    fp.register(["ip", "-n", "vpn", "-j", "-d", "link", "show"], stdout=json.dumps(links))
    state = f"--state-dir={vpn}/run/network/netns/vpn"
    cmds = [
        ["ip", "netns", "exec", "vpn", "ifdown", "-a", state],
        ["ip", "-n", "vpn", "link", "delete", "dev", "wg0"],
        ["ip", "netns", "delete", "vpn"],
    ]
    for cmd in cmds:
        fp.register(cmd)
    assert main(["stop", "vpn"]) == 0
    assert [list(c) for c in fp.calls][1:] == cmds


def test_status_and_the_graph_tie_each_interface_to_its_birth_namespace(root: Path, fp: FakeProcess) -> None:
    from netns_helper import topology

    (root / "etc/netns/vpn/network/interfaces").write_text(VPN + "    wireguard-birth-netns uplink\n")
    (root / "etc/netns/vpn/wireguard").mkdir()
    for name in ("wg0", "wg1"):
        path = root / f"etc/netns/vpn/wireguard/{name}.conf"
        path.write_text(
            f"[Interface]\nPrivateKey = {PRIVATE}\n\n[Peer]\nPublicKey = {PEER1}\nAllowedIPs = 10.0.0.0/8\n"
        )
        os.chmod(path, 0o600)
    fp.register(["ip", "-n", "vpn", "-j", "-d", "addr", "show"], stdout=json.dumps([LO, link("wg0", kind="wireguard")]))
    fp.register(SHOW_DUMP, stdout=DUMP)
    (ns,) = status.gather(Paths(etc=f"{root}/etc", run=f"{root}/run"), _query)
    assert ns.births == (status.Birth("wg0", None), status.Birth("wg1", "uplink"))
    graph = topology.graph([ns])
    sockets = [(e.tail, e.head, e.problem) for e in graph.edges if e.label == "WireGuard socket"]
    assert sockets == [
        (topology.HOST, topology.link_id("vpn", "wg0"), False),
        (topology.ns_id("uplink"), topology.link_id("vpn", "wg1"), True),  # wg1 is missing from vpn
    ]
    assert "uplink" in graph.clusters
    (wg1,) = (n for n in graph.nodes["vpn"] if n.id == topology.link_id("vpn", "wg1"))
    assert wg1.label == "wg1\nmissing\nwireguard\n0 peers" and wg1.problem
    assert f'"{topology.HOST}" -> "{topology.link_id("vpn", "wg0")}"' in graph.dot()
