# SPDX-License-Identifier: GPL-3.0-or-later
"""`status --dot` and `--svg`: the spec's examples as graphs, rendered by the real Graphviz dot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import status, topology
from netns_helper.cli import main
from netns_helper.dropins import NETNS_CONF, join_dropin
from netns_helper.facts import Paths

from ..examples import SPEC_LINKS_HOST, SPEC_XFRM
from ..examples import SPEC_NGINX as NGINX
from ..graphs import assert_svg_has, red
from .conftest import in_netns
from .test_status import LO, SHOW, link, show

VLAN = "auto eth1.124\niface eth1.124 inet static\n  address 203.0.113.2/24\n"
SERVICE1 = "auto link1\niface link1 inet static\n  address 100.64.0.1/31\n\nauto br0..1\niface br0..1 inet manual\n"
HOST = SPEC_LINKS_HOST

pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot (package graphviz)"),
    pytest.mark.real_processes,
]


Outputs = dict[tuple[str, ...], str]


def _configure(root: Path, netns: str, text: str) -> None:
    (root / f"etc/netns/{netns}/network").mkdir(parents=True, exist_ok=True)
    (root / f"etc/netns/{netns}/network/interfaces").write_text(text)


def _running(root: Path, outputs: Outputs, netns: str, links: list[dict[str, Any]], pids: str = "") -> None:
    (root / "run/netns" / netns).touch()
    outputs["ip", "-n", netns, "-j", "-d", "addr", "show"] = json.dumps(links)
    in_netns(root, netns, map(int, pids.split()))


def _units(outputs: Outputs, *units: tuple[str, str, str, int]) -> None:
    outputs[(*SHOW, *(u[0] for u in units))] = show(*units)


def _vlan(name: str, address: str) -> dict[str, Any]:
    # ip names the lower device only when it is in the same namespace.
    return {**link(name, address, kind="vlan"), "link_index": 2, "link_netnsid": 0}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "run/netns").mkdir(parents=True)
    (tmp_path / "run/systemd/system").mkdir(parents=True)
    (tmp_path / "etc/network").mkdir(parents=True)
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


def _bind(root: Path, service: str, netns: str | None = None) -> None:
    (root / f"etc/systemd/system/{service}.service.d").mkdir(parents=True)
    dropin = root / f"etc/systemd/system/{service}.service.d/netns.conf"
    if netns is None:
        dropin.symlink_to(NETNS_CONF)
    else:
        dropin.write_text(join_dropin(netns))


def spec_examples(root: Path) -> Outputs:
    """nginx on its NIC and a VLAN of the host's eth1; service1 (with service2) with a veth pair and a bridge port."""
    _configure(root, "nginx", NGINX + "\n" + VLAN)
    _configure(root, "service1", SERVICE1)
    (root / "etc/network/interfaces").write_text(HOST)
    _bind(root, "nginx")
    _bind(root, "service1")
    _bind(root, "service2", "service1")
    outputs: Outputs = {}
    _units(
        outputs,
        ("systemd-netns@nginx.service", "active", "exited", 0),
        ("systemd-netns@service1.service", "active", "exited", 0),
        ("nginx.service", "active", "running", 100),
        ("service1.service", "active", "running", 200),
        ("service2.service", "active", "running", 300),
    )
    nginx = [LO, link("eth0", "192.0.2.2/24"), _vlan("eth1.124", "203.0.113.2/24")]
    _running(root, outputs, "nginx", nginx, "100\n")
    service1 = [LO, link("link1", "100.64.0.1/31", kind="veth"), link("br0..1", kind="veth")]
    _running(root, outputs, "service1", service1, "200\n300\n")
    return outputs


def ipsec_example(root: Path, missing: bool = False) -> Outputs:
    """The spec's strongSwan gateway: ipsec0 into tunnel, ipsec1 (underlay ens5) into tunnel2."""
    _configure(root, "strongswan", "auto ens5\niface ens5 inet static\n  address 198.51.100.1/24\n")
    (root / "etc/netns/strongswan/network/xfrm").write_text(SPEC_XFRM)
    _configure(root, "tunnel", "auto lo\niface lo inet loopback\n")
    _configure(root, "tunnel2", "auto lo\niface lo inet loopback\n")
    _bind(root, "strongswan")
    outputs: Outputs = {}
    _units(
        outputs,
        ("systemd-netns@strongswan.service", "active", "exited", 0),
        ("systemd-netns@tunnel.service", "inactive", "dead", 0),
        ("systemd-netns@tunnel2.service", "inactive", "dead", 0),
        ("strongswan.service", "active", "running", 400),
    )
    _running(root, outputs, "strongswan", [LO, link("ens5", "198.51.100.1/24")], "400\n")
    _running(root, outputs, "tunnel", [LO, link("ipsec0", kind="xfrm")])
    _running(root, outputs, "tunnel2", [LO] if missing else [LO, link("ipsec1", kind="xfrm")])
    return outputs


def _fake(fp: FakeProcess, outputs: Outputs) -> None:
    for argv, stdout in outputs.items():
        fp.register(list(argv), stdout=stdout, occurrences=3)


def graph_from(root: Path, outputs: Outputs) -> topology.Graph:
    """The graph of what the fakes show, built directly."""
    paths = Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")
    return topology.graph(status.gather(paths, lambda argv: outputs[tuple(argv)]))


def _render(root: Path, fp: FakeProcess, outputs: Outputs) -> tuple[int, Path, topology.Graph]:
    svg = root / "topology.svg"
    _fake(fp, outputs)
    fp.pass_command(["dot", "-Tsvg", "-o", str(svg)])
    code = main(["status", f"--svg={svg}"])
    return code, svg, graph_from(root, outputs)


def test_the_spec_examples_every_namespace_link_and_edge_is_drawn(root: Path, fp: FakeProcess) -> None:
    code, svg, graph = _render(root, fp, spec_examples(root))
    assert code == 0
    items = assert_svg_has(svg, graph)
    assert set(items["cluster"]) == {"cluster_host", "cluster_nginx", "cluster_service1"}
    edges = {(e.tail, e.head): e.label for e in graph.edges}
    assert edges[("host", "link:nginx:eth0")] == "moved in"
    assert edges[("link:host:eth1", "link:nginx:eth1.124")] == "vlan"
    assert edges[("link:host:link0", "link:service1:link1")] == "veth"
    assert edges[("link:host:service1-1", "link:service1:br0..1")] == "veth"
    assert edges[("link:host:br0", "link:host:service1-1")] == "port"
    labels = {n.id: n.label for nodes in graph.nodes.values() for n in nodes}
    assert labels["service:nginx:nginx.service"] == "nginx.service\nactive\npid 100"
    assert labels["service:service1:service2.service"] == "service2.service\nactive\npid 300"
    assert labels["link:nginx:eth0"] == "eth0\nNIC UP\n192.0.2.2/24"
    assert not any(red(e) for group in items.values() for e in group.values())


def test_the_ipsec_example_xfrm_interfaces_go_to_their_destinations(root: Path, fp: FakeProcess) -> None:
    code, svg, graph = _render(root, fp, ipsec_example(root))
    assert code == 0
    items = assert_svg_has(svg, graph)
    assert set(items["cluster"]) == {"cluster_host", "cluster_strongswan", "cluster_tunnel", "cluster_tunnel2"}
    edges = {(e.tail, e.head): e.label for e in graph.edges}
    assert edges[("netns:strongswan", "link:tunnel:ipsec0")] == "XFRM if_id 17"
    assert edges[("netns:strongswan", "link:tunnel2:ipsec1")] == "XFRM if_id 18"
    assert "10.143.18.0/27" in svg.read_text()


def test_problems_are_red(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    code, svg, graph = _render(root, fp, ipsec_example(root, missing=True))
    assert code == 1
    items = assert_svg_has(svg, graph)
    assert red(items["edge"]["netns:strongswan->link:tunnel2:ipsec1"])
    assert red(items["node"]["link:tunnel2:ipsec1"])
    assert red(items["node"]["problems:strongswan"])
    assert red(items["cluster"]["cluster_strongswan"])
    assert not red(items["cluster"]["cluster_tunnel"])
    assert "XFRM interface ipsec1 is missing from namespace tunnel2" in svg.read_text()


def test_dot_prints_the_graph(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = spec_examples(root)
    _fake(fp, outputs)
    assert main(["status", "--dot"]) == 0
    assert capsys.readouterr().out == graph_from(root, outputs).dot()


def test_labels_are_quoted_for_dot() -> None:
    g = topology.Graph()
    g.cluster(topology.Cluster("a", 'say "hi" \\ there'))
    g.node("a", topology.Node("n", "two\nlines"))
    assert '    label="say \\"hi\\" \\\\ there";' in g.dot()
    assert '"n" [label="two\\nlines", shape=box];' in g.dot()


def test_svg_without_dot_is_a_clear_error(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake(fp, spec_examples(root))
    monkeypatch.setenv("PATH", str(root))
    assert main(["status", f"--svg={root}/x.svg"]) == 1
    assert "--svg needs Graphviz's dot, which is not installed: apt install graphviz" in capsys.readouterr().err
    assert not (root / "x.svg").exists()


def test_print_commands_shows_the_dot_command(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    _fake(fp, spec_examples(root))
    assert main(["--print-commands", "status", f"--svg={root}/x.svg"]) == 0
    out = capsys.readouterr().out
    assert f"dot -Tsvg -o {root}/x.svg <<'EOF'\n" in out
    assert not (root / "x.svg").exists()


@pytest.mark.parametrize("target", ["examples/topology-spec.svg", "examples/topology-ipsec.svg"])
def test_the_readmes_pictures_are_up_to_date(target: str) -> None:
    from ..pictures import PICTURES, graph_of

    assert_svg_has(Path(__file__).resolve().parents[2] / target, graph_of(PICTURES[target]))
