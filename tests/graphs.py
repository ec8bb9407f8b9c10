# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of a rendered topology (`status --svg`): every cluster, node and edge of the graph is in the SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from netns_helper.topology import Graph

SVG = "{http://www.w3.org/2000/svg}"


def svg_items(path: Path) -> dict[str, dict[str, ET.Element]]:
    """The SVG's groups by class (cluster, node, edge), each by its title, as dot writes them."""
    items: dict[str, dict[str, ET.Element]] = {"cluster": {}, "node": {}, "edge": {}}
    for group in ET.parse(path).getroot().iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") in items and title is not None and title.text:
            items[group.get("class", "")][title.text] = group
    return items


def texts(element: ET.Element) -> str:
    return "\n".join(t.text or "" for t in element.iter(f"{SVG}text"))


def red(element: ET.Element) -> bool:
    return any(e.get("stroke") == "red" or e.get("fill") == "red" for e in element.iter())


def assert_svg_has(path: Path, graph: Graph) -> dict[str, dict[str, ET.Element]]:
    """Every cluster, node (with its label's lines) and edge of GRAPH is drawn in the SVG at PATH."""
    items = svg_items(path)
    assert set(items["cluster"]) == {f"cluster_{c}" for c in graph.clusters}
    for cluster, nodes in graph.nodes.items():
        assert graph.clusters[cluster].label in texts(items["cluster"][f"cluster_{cluster}"])
        for node in nodes:
            drawn = items["node"][node.id]
            lines = [re.sub(r"\s+", " ", line) for line in node.label.split("\n")]
            assert lines == [re.sub(r"\s+", " ", t) for t in texts(drawn).split("\n")], node.id
            assert red(drawn) == node.problem, node.id
    assert sorted(items["edge"]) == sorted(f"{e.tail}->{e.head}" for e in graph.edges)
    return items
