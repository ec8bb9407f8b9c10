# SPDX-License-Identifier: GPL-3.0-or-later
"""`make pictures`: the README's pictures of the spec's examples, drawn by status's graph and Graphviz's dot.

The state drawn is what the fake tier's test_topology.py feeds `status` for the spec's
examples running (tiers 3 and 5 have them for real, but the sandbox's kernel has no XFRM
and the VM is minutes away): the same data the tests check the SVG against.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from netns_helper import topology
from tests.fake.test_topology import Outputs, graph_from, ipsec_example, spec_examples

PICTURES: dict[str, Callable[[Path], Outputs]] = {
    "examples/topology-spec.svg": spec_examples,
    "examples/topology-ipsec.svg": lambda root: ipsec_example(root, missing=True),
}


def graph_of(example: Callable[[Path], Outputs]) -> topology.Graph:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for directory in ("run/netns", "run/systemd/system", "etc/network"):
            (root / directory).mkdir(parents=True)
        return graph_from(root, example(root))


def main() -> int:
    for target, example in PICTURES.items():
        dot = graph_of(example).dot()
        subprocess.run(["dot", "-Tsvg", "-o", target], input=dot, text=True, check=True)
        sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
