# SPDX-License-Identifier: GPL-3.0-or-later
"""status --svg of the real thing: the demo's nginx and a link-netns service with a bridge port, drawn by dot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from netns_helper import status, topology
from netns_helper.executor import Executor
from netns_helper.facts import Paths

from ..graphs import assert_svg_has, red
from .conftest import Host, sh
from .test_core import NGINX
from .test_links import HOST_FILE, SERVICE1

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot (package graphviz)")


def test_the_demo_and_a_linked_service_are_drawn(host: Host, tmp_path: Path) -> None:
    host.nic("eth0", "peer0", "192.0.2.1/24")
    sh("ip", "link", "add", "br0", "type", "bridge")
    Path("/etc/network/interfaces").write_text(HOST_FILE)
    host.configure("nginx", NGINX)
    host.configure("service1", SERVICE1 + "\nauto br0..web\niface br0..web inet manual\n")
    host.tool("start", "nginx")
    host.tool("start", "service1")

    svg = tmp_path / "topology.svg"
    assert host.tool("status", f"--svg={svg}", check=False).returncode == 0
    graph = topology.graph(status.gather(Paths(), Executor().query))
    items = assert_svg_has(svg, graph)
    assert set(items["cluster"]) == {"cluster_host", "cluster_nginx", "cluster_service1"}
    assert {f"{e.tail}->{e.head}" for e in graph.edges} >= {
        "host->link:nginx:eth0",  # the sandbox's NIC is a veth
        "link:host:link0->link:service1:link1",
        "link:host:service1-web->link:service1:br0..web",
        "link:host:br0->link:host:service1-web",
    }
    assert not any(red(e) for group in items.values() for e in group.values())

    # A stray link inside is drift: red.
    sh("ip", "-n", "nginx", "link", "add", "stray0", "type", "veth", "peer", "name", "stray1")
    assert host.tool("status", f"--svg={svg}", check=False).returncode == 1
    items = assert_svg_has(svg, topology.graph(status.gather(Paths(), Executor().query)))
    assert red(items["node"]["link:nginx:stray0"]) and red(items["cluster"]["cluster_nginx"])

    host.tool("stop", "service1")
    host.tool("stop", "nginx")
