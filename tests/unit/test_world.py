# SPDX-License-Identifier: GPL-3.0-or-later
"""The configuration world: found once, parsed once, errors kept for each command to judge."""

from __future__ import annotations

from pathlib import Path

from netns_helper.facts import Paths
from netns_helper.world import configured, load, netns_dirs


def _tree(root: Path, files: dict[str, str]) -> Paths:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "etc/netns/no-network-dir").mkdir(parents=True)
    return Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")


FILES = {
    "etc/network/interfaces": "auto lo\niface lo inet loopback\nbogus\n",
    "etc/netns/web/network/interfaces": "auto eth1\niface eth1 inet manual\n",
    "etc/netns/gw/network/interfaces": "auto lo\niface lo inet static\n  address\n",
    "etc/netns/gw/network/xfrm": "[x]\nIfId=1\nPrefixes=192.0.2.0/24\n",
    "etc/netns/vpn/network/xfrm": "[x]\nIfId=oops\n",
    "etc/netns/bad name/network/interfaces": "",
}


def test_one_enumeration_of_etc_netns(tmp_path: Path) -> None:
    paths = _tree(tmp_path, FILES)
    assert netns_dirs(paths) == (("gw", "vpn", "web"), ("bad name",))
    assert configured(paths) == ("gw", "web")


def test_load_parses_every_file_once_and_keeps_their_errors(tmp_path: Path) -> None:
    paths = _tree(tmp_path, FILES)
    world = load(paths)
    assert world.bad_names == ("bad name",)
    assert [str(e.loc) for e in world.host_errors] == [f"{tmp_path}/etc/network/interfaces:3"]
    # An error in a host file without link-netns pairs concerns no namespace: the host stays usable.
    assert world.host_blocking(None) == () and world.usable_host() is world.host is not None
    assert sorted(world.configs) == ["gw", "web"]
    assert sorted(world.config_errors) == ["gw"] and world.config("gw") is None
    assert world.config("web") is world.configs["web"]
    assert [x.name for x in world.xfrms["gw"]] == ["x"]
    assert sorted(world.xfrm_errors) == ["vpn"]
    assert world.service_namespaces() == {"gw"}


def test_host_errors_block_only_the_namespaces_with_link_netns_pairs(tmp_path: Path) -> None:
    files = {**FILES, "etc/network/interfaces": "iface lo inet loopback\nlink-netns web vweb0 vweb1\nbogus\n"}
    world = load(_tree(tmp_path, files))
    assert [str(e.loc) for e in world.host_blocking({"web"})] == [f"{tmp_path}/etc/network/interfaces:3"]
    assert world.host_blocking({"gw"}) == ()
    assert world.usable_host() is None and world.host is not None
    broken = {**FILES, "etc/network/interfaces": "iface lo inet loopback\nlink-netns web\n"}
    assert len(load(_tree(tmp_path / "b", broken)).host_blocking({"gw"})) == 1  # its namespace is unknown
