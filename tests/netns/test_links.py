# SPDX-License-Identifier: GPL-3.0-or-later
"""link-netns veth pairs and BRIDGE..ID ports, with the real ip and ifupdown on both sides."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.examples import SPEC_LINKS_HOST, SPEC_LINKS_SERVICE1

from .conftest import Host, ipj, sh
from .test_core import _serve

HOST_FILE = SPEC_LINKS_HOST
SERVICE1 = SPEC_LINKS_SERVICE1


def _host_state() -> list[str]:
    """Interfaces the host's ifupdown records as up (ifdown empties a file, it does not remove it)."""
    return sorted(
        line
        for f in os.listdir("/run/network")
        if f.startswith("ifstate.")
        for line in Path("/run/network", f).read_text().split()
    )


def test_spec_link_example_end_to_end(host: Host, tmp_path: Path) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE)
    # The stanza does not break the host's own ifupdown.
    assert sh("ifquery", "--list", "-a").stdout.split() == ["lo"]
    assert "address: 100.64.0.0" in sh("ifquery", "link0").stdout
    sh("ifup", "-a")
    host.configure("service1", SERVICE1)
    before, state_before = host.snapshot(), _host_state()

    host.tool("start", "service1")
    assert "link0" in _host_state()
    sh("ping", "-c", "1", "-W", "2", "100.64.0.1")
    sh("ip", "netns", "exec", "service1", "ping", "-c", "1", "-W", "2", "100.64.0.0")
    (tmp_path / "index.html").write_text("over the link\n")
    server = _serve("service1", "100.64.0.1", 8080, tmp_path)
    with urllib.request.urlopen("http://100.64.0.1:8080/index.html", timeout=5) as reply:
        assert reply.read() == b"over the link\n"

    host.tool("stop", "service1")
    server.wait(timeout=5)
    assert host.snapshot() == before
    assert _host_state() == state_before
    assert "link0" not in {link["ifname"] for link in ipj("link", "show")}


def test_links_from_a_sourced_file_and_several_namespaces(host: Host) -> None:
    Path("/etc/network/interfaces.d").mkdir(exist_ok=True)
    Path("/etc/network/interfaces").write_text("auto lo\niface lo inet loopback\nsource interfaces.d/*\n")
    Path("/etc/network/interfaces.d/links").write_text(
        "iface a0 inet static\n  address 100.64.1.0/31\nlink-netns a a0 a1\n"
        "iface b0 inet static\n  address 100.64.2.0/31\nlink-netns b b0 b1\n"
    )
    sh("ifquery", "--list", "-a")
    host.configure("a", "auto a1\niface a1 inet static\n  address 100.64.1.1/31\n")
    host.configure("b", "auto b1\niface b1 inet static\n  address 100.64.2.1/31\n")
    before = host.snapshot()
    host.tool("start", "a")
    host.tool("start", "b")
    sh("ping", "-c", "1", "-W", "2", "100.64.1.1")
    sh("ping", "-c", "1", "-W", "2", "100.64.2.1")
    host.tool("stop", "a")
    sh("ping", "-c", "1", "-W", "2", "100.64.2.1")  # b is untouched by a's stop
    host.tool("stop", "b")
    assert host.snapshot() == before


def test_two_namespaces_talk_over_a_host_bridge(host: Host, tmp_path: Path) -> None:
    sh("ip", "link", "add", "br0", "type", "bridge")
    sh("ip", "addr", "add", "203.0.113.1/24", "dev", "br0")
    sh("ip", "link", "set", "br0", "up")
    host.configure(
        "a", "auto lo\niface lo inet loopback\nauto br0..1\niface br0..1 inet static\n  address 203.0.113.11/24\n"
    )
    host.configure(
        "b", "auto lo\niface lo inet loopback\nauto br0..1\niface br0..1 inet static\n  address 203.0.113.12/24\n"
    )
    before = host.snapshot()
    host.tool("start", "a")
    host.tool("start", "b")
    ports = {link["ifname"] for link in ipj("link", "show", "master", "br0")}
    assert ports == {"a-1", "b-1"}

    (tmp_path / "index.html").write_text("b says hi\n")
    server = _serve("b", "203.0.113.12", 8080, tmp_path)
    fetch = (
        "import urllib.request; print(urllib.request.urlopen('http://203.0.113.12:8080/', timeout=5).read().decode())"
    )
    out = sh("ip", "netns", "exec", "a", sys.executable, "-c", fetch).stdout
    assert out == "b says hi\n\n"
    sh("ping", "-c", "1", "-W", "2", "203.0.113.11")  # the host's address on the bridge reaches a

    host.tool("stop", "b")
    assert server.wait(timeout=5) is not None
    host.tool("stop", "a")
    assert host.snapshot() == before
    assert ipj("link", "show", "master", "br0") == []


def test_link_name_clash_is_an_error_before_anything_runs(host: Host) -> None:
    Path("/etc/network/interfaces").write_text(HOST_FILE)
    host.configure("service1", SERVICE1)
    host.nic("link0", "other0")  # already taken on the host
    before = host.snapshot()
    result = host.tool("start", "service1", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("/etc/network/interfaces:5: error: cannot create link 'link0'")
    assert host.snapshot() == before


def test_misplaced_link_netns_is_refused_like_ifupdown_would(host: Host) -> None:
    Path("/etc/network/interfaces").write_text("link-netns service1 link0 link1\n" + HOST_FILE)
    assert subprocess.run(["ifquery", "--list", "-a"], capture_output=True).returncode != 0
    host.configure("service1", SERVICE1)
    result = host.tool("start", "service1", check=False)
    assert result.returncode == 2
    assert "/etc/network/interfaces:1: error: ifupdown would reject this file here" in result.stderr
