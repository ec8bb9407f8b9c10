# SPDX-License-Identifier: GPL-3.0-or-later
"""Start reads a namespace's file as ifupdown inside will: each of these moved the wrong NIC before."""

from __future__ import annotations

from pathlib import Path

from .conftest import Host, ipj


def _host_links() -> set[str]:
    return {link["ifname"] for link in ipj("link", "show")}


def test_source_of_etc_network_means_the_namespaces_own_directory(host: Host) -> None:
    """Debian's default `source /etc/network/interfaces.d/*`, copied into a namespace's file."""
    host.nic("eth0", "peer0")  # the host's uplink, configured in the host's interfaces.d
    host.nic("eth1", "peer1", "192.0.2.1/24")
    Path("/etc/network/interfaces.d").mkdir(exist_ok=True)
    Path("/etc/network/interfaces.d/uplink").write_text("auto eth0\niface eth0 inet manual\n")
    path = host.configure("web", "auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n")
    (path.parent / "interfaces.d").mkdir()
    (path.parent / "interfaces.d/front").write_text("auto eth1\niface eth1 inet static\n  address 192.0.2.2/24\n")
    before = host.snapshot()
    host.tool("start", "web")
    inside = {a["ifname"]: a for a in ipj("-n", "web", "addr", "show")}
    assert set(inside) == {"lo", "eth1"}
    assert [i["local"] for i in inside["eth1"]["addr_info"] if i["family"] == "inet"] == ["192.0.2.2"]
    assert "eth0" in _host_links()  # the host keeps its uplink
    host.tool("stop", "web")
    assert host.snapshot() == before


def test_a_no_break_space_between_names_is_refused_before_anything_moves(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.nic("eth1", "peer1")
    path = host.configure(
        "web", "auto lo\niface lo inet loopback\nallow-hotplug eth0\u00a0eth1\niface eth0 inet manual\n"
    )
    before = host.snapshot()
    result = host.tool("start", "web", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:3: error: U+00A0 (NO-BREAK SPACE) looks like white space")
    assert host.snapshot() == before


def test_a_pattern_in_the_hosts_file_does_not_block_a_namespace(host: Host) -> None:
    host.nic("eth1", "peer1")
    Path("/etc/network/interfaces").write_text("auto lo\niface lo inet loopback\nallow-hotplug /usb*\n")
    host.configure("web", "auto lo\niface lo inet loopback\nauto eth1\niface eth1 inet manual\n")
    host.tool("start", "web")
    assert "eth1" in {a["ifname"] for a in ipj("-n", "web", "link", "show")}
    host.tool("stop", "web")
