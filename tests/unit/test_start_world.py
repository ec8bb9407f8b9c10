# SPDX-License-Identifier: GPL-3.0-or-later
"""`rules.start_world`: start NAME parses only the files that can matter to its rules, and judges as check does."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from netns_helper import interfaces, rules, world
from netns_helper.errors import ConfigError
from netns_helper.facts import Paths
from netns_helper.interfaces import Interfaces
from netns_helper.world import load

WEB = "auto lo\niface lo inet loopback\n\nauto eth1\niface eth1 inet static\n    address 192.0.2.2/24\n"
OTHER = "auto lo\niface lo inet loopback\n\nauto nic{i}\niface nic{i} inet manual\n"

# Ways another namespace's files take eth1 (or do not): each must be seen by start web as by check.
CLAIMS = {
    "auto": "auto eth1\niface eth1 inet manual\n",
    "hotplug": "allow-hotplug eth1\niface eth1 inet manual\n",
    "bridge member": "auto br0\niface br0 inet manual\n    bridge-ports eth5 eth1\n",
    "joined lines": "auto et\\\nh1\niface eth1 inet manual\n",
    "sourced": "source interfaces.d/*\n",
    "source-directory": "source-directory parts\n",
    "vlan of it, not it": "auto eth1.10\niface eth1.10 inet manual\n",
    "a longer name": "auto eth10 veth1\niface eth10 inet manual\n",
    "pasted, no-break space": "auto\u00a0eth1\niface eth1 inet manual\n",
    "nothing of it": "auto eth7\niface eth7 inet manual\n",
}


def _tree(root: Path, files: dict[str, str]) -> Paths:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")


def _many(count: int) -> dict[str, str]:
    files = {"etc/netns/web/network/interfaces": WEB}
    for i in range(2, count + 2):
        files[f"etc/netns/ns{i}/network/interfaces"] = OTHER.format(i=i + 100)
    return files


@pytest.mark.parametrize("how", CLAIMS)
def test_start_judges_as_check_does(tmp_path: Path, how: str) -> None:
    files = {**_many(5), "etc/netns/other/network/interfaces": CLAIMS[how]}
    files["etc/netns/other/network/interfaces.d/eth1"] = "auto eth1\niface eth1 inet manual\n"
    files["etc/netns/other/network/parts/eth1"] = "allow-hotplug eth1\niface eth1 inet manual\n"
    paths = _tree(tmp_path, files)
    everything = rules.file_problems(load(paths), {"web"})
    assert rules.file_problems(rules.start_world(paths, "web"), {"web"}) == everything
    taken = [p.message for p in everything if "also taken" in p.message]
    if how != "joined lines":  # whatever the parser makes of a name split by `\`, start sees it as check does
        # ifupdown splits at ASCII white space only: `auto\u00a0eth1` takes nothing (its own file's error says so).
        unclaimed = ("vlan of it, not it", "a longer name", "pasted, no-break space", "nothing of it")
        assert bool(taken) == (how not in unclaimed)


def test_files_that_cannot_claim_are_not_parsed(tmp_path: Path) -> None:
    files = {**_many(200), "etc/netns/rival/network/interfaces": CLAIMS["auto"]}
    files["etc/netns/web/network/interfaces"] = WEB.replace("eth1", "nic1")  # as nic10, nic100...
    files["etc/netns/rival/network/interfaces"] = CLAIMS["auto"].replace("eth1", "nic1")
    paths = _tree(tmp_path, files)
    world = rules.start_world(paths, "web")
    assert sorted(world.configs) == ["rival", "web"]
    assert len(world.skipped) == 200
    assert [p.message for p in rules.file_problems(world, {"web"})] == [
        "nic1 is also taken by namespace rival " + f"({tmp_path}/etc/netns/rival/network/interfaces:1)"
    ]


def test_a_file_changed_between_two_starts_is_read_again(tmp_path: Path) -> None:
    """Nothing is cached: what each start reads is the files as they are."""
    paths = _tree(tmp_path, _many(3))
    assert rules.file_problems(rules.start_world(paths, "web"), {"web"}) == []
    (tmp_path / "etc/netns/ns3/network/interfaces").write_text(CLAIMS["bridge member"])
    assert [p.message for p in rules.file_problems(rules.start_world(paths, "web"), {"web"})] == [
        f"eth1 is also taken by namespace ns3 ({tmp_path}/etc/netns/ns3/network/interfaces:3)"
    ]
    (tmp_path / "etc/netns/ns3/network/interfaces").write_text(OTHER.format(i=9))
    assert rules.file_problems(rules.start_world(paths, "web"), {"web"}) == []


@pytest.mark.parametrize("own", ["clean", "broken", "ipsec"])
def test_start_parses_its_own_file_once(tmp_path: Path, own: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse that tells start which files may claim its interfaces is the one it judges and plans with."""
    files = _many(3)
    if own == "broken":
        files["etc/netns/web/network/interfaces"] = "auto eth1\n  address 1\n"
    if own == "ipsec":
        files["etc/netns/web/network/xfrm"] = "[ipsec0]\nIfId=17\nDestNetNS=ns3\nPrefixes=10.1.0.0/24\n"
    paths = _tree(tmp_path, files)
    parsed: list[str] = []
    real = interfaces.parse_file

    def counted(path: str, errors: list[ConfigError] | None = None) -> Interfaces:
        parsed.append(path)
        return real(path, errors)

    monkeypatch.setattr(rules, "parse_file", counted)
    monkeypatch.setattr(world, "parse_file", counted)
    start = rules.start_world(paths, "web")
    assert parsed.count(paths.netns_interfaces("web")) == 1
    assert start.configs["web"] == load(paths).configs["web"]
    assert rules.file_problems(start, {"web"}) == rules.file_problems(load(paths), {"web"})


def test_broken_own_file_is_judged_on_the_whole_world(tmp_path: Path) -> None:
    paths = _tree(tmp_path, {**_many(3), "etc/netns/web/network/interfaces": "auto eth1\n  address 1\n"})
    world = rules.start_world(paths, "web")
    assert world.skipped == ()
    assert rules.file_problems(world, {"web"}) == rules.file_problems(load(paths), {"web"}) != []


def test_an_ipsec_gateway_parses_every_file(tmp_path: Path) -> None:
    """Its destinations' files are its own to plan; and what DestNetNS may not be is the world's."""
    files = {
        **_many(3),
        "etc/netns/web/network/xfrm": "[ipsec0]\nIfId=17\nDestNetNS=ns3\nPrefixes=10.1.0.0/24\n",
    }
    paths = _tree(tmp_path, files)
    world = rules.start_world(paths, "web")
    assert world.skipped == ()
    assert rules.file_problems(world, {"web"}) == rules.file_problems(load(paths), {"web"})


def _wg(port: int, n: int) -> str:
    key = base64.b64encode(bytes([n]) * 32).decode()
    return f"[Interface]\nPrivateKey = {key}\nListenPort = {port}\n"


@pytest.mark.parametrize("birth", ["", "    wireguard-birth-netns uplink\n"])
def test_wireguard_namespaces_are_judged_with_each_others_files(tmp_path: Path, birth: str) -> None:
    """The ListenPort rule: wg1 of `peer` conflicts with web's wg0 only when both are born in the host,
    which only peer's interfaces file tells (it names none of web's interfaces)."""
    files = {
        **_many(3),
        "etc/netns/web/network/interfaces": WEB + "\nauto wg0\niface wg0 inet static\n    address 10.6.0.1/24\n",
        "etc/netns/web/wireguard/wg0.conf": _wg(51820, 1),
        "etc/netns/peer/network/interfaces": f"auto wg1\niface wg1 inet static\n    address 10.7.0.1/24\n{birth}",
        "etc/netns/peer/wireguard/wg1.conf": _wg(51820, 2),
        "etc/netns/uplink/network/interfaces": OTHER.format(i=9),
    }
    paths = _tree(tmp_path, files)
    for conf in ("web/wireguard/wg0.conf", "peer/wireguard/wg1.conf"):
        os.chmod(tmp_path / "etc/netns" / conf, 0o600)
    everything = rules.file_problems(load(paths), {"web"})
    world = rules.start_world(paths, "web")
    assert "peer" in world.configs and len(world.skipped) == 4
    assert rules.file_problems(world, {"web"}) == everything
    assert any("ListenPort 51820 is also that of" in p.message for p in everything) == (not birth)


def test_stop_reads_its_own_files_only_and_an_ipsec_gateways_every_file(tmp_path: Path) -> None:
    """Stop judges nothing across namespaces: another's files, broken or not, are not read."""
    from netns_helper.lifecycle import _stop_world

    files = {
        **_many(200),
        "etc/netns/ns7/network/interfaces": "auto eth1\n  address 1\n",  # broken
        "etc/netns/ns8/network/xfrm": "[ipsec0]\nIfId=x\n",  # broken
        "etc/netns/web/network/interfaces.d/eth2": "auto eth2\niface eth2 inet manual\n",
        "etc/netns/web/network/interfaces": WEB + "source interfaces.d/*\n",
    }
    paths = _tree(tmp_path, files)
    world = _stop_world(paths, "web")
    assert list(world.configs) == ["web"] and len(world.skipped) == 200
    assert [i.name for i in world.configs["web"].ifaces] == ["lo", "eth1", "eth2"]
    assert (world.config_errors, world.xfrms, world.xfrm_errors) == ({}, {}, {})
    (tmp_path / "etc/netns/web/network/xfrm").write_text("[ipsec0]\nIfId=17\nDestNetNS=ns3\nPrefixes=10.1.0.0/24\n")
    world = _stop_world(paths, "web")
    assert world.skipped == () and "ns7" in world.config_errors and "ns8" in world.xfrm_errors
    assert [x.dest_netns for x in world.xfrms["web"]] == ["ns3"]
