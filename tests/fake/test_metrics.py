"""`metrics` against faked `ip`, its file parsed by the real Prometheus text-format parser."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pytest_subprocess import FakeProcess

from netns_helper.cli import main
from netns_helper.metrics import escape_label

from .conftest import in_netns

ODD = 'we"ird\\x'  # a link name the kernel accepts, with the characters labels must escape


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("nginx", "idle"):
        (tmp_path / f"etc/netns/{name}/network").mkdir(parents=True)
        (tmp_path / f"etc/netns/{name}/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    (tmp_path / "run/netns").mkdir(parents=True)
    (tmp_path / "textfiles").mkdir()
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


def stats(rx: int, tx: int) -> dict[str, Any]:
    return {
        "rx": {"bytes": rx, "packets": rx // 100, "errors": 1, "dropped": 2, "over_errors": 0, "multicast": 0},
        "tx": {"bytes": tx, "packets": tx // 100, "errors": 3, "dropped": 4, "carrier_errors": 0, "collisions": 0},
    }


LINKS = [
    {"ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "operstate": "UNKNOWN", "stats64": stats(500, 500)},
    {"ifname": "eth0", "flags": ["BROADCAST", "UP", "LOWER_UP"], "operstate": "UP", "stats64": stats(12345, 6789)},
    {
        "ifname": "ipsec0",
        "flags": ["NOARP"],
        "operstate": "DOWN",
        "linkinfo": {"info_kind": "xfrm"},
        "stats64": stats(0, 0),
    },
    {
        "ifname": ODD,
        "flags": ["BROADCAST"],
        "operstate": "DOWN",
        "linkinfo": {"info_kind": "dummy"},
        "stats64": stats(0, 0),
    },
]


def query_links(netns: str) -> list[str]:
    return ["ip", "-n", netns, "-s", "-d", "-j", "link", "show"]


def mv(fp: FakeProcess, returncode: int = 0) -> None:
    """`mv -f -T TEMP FILE`, faked by doing it (os.replace is what mv does here: rename(2))."""
    if returncode:
        fp.register(["mv", "-f", "-T", fp.any(min=2, max=2)], returncode=returncode, stderr="mv: Permission denied")
    else:
        fp.register(
            ["mv", "-f", "-T", fp.any(min=2, max=2)],
            callback=lambda process: os.replace(process.args[3], process.args[4]),
        )


def families(path: Path) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(path.read_text())}


def test_metrics_parse_as_prometheus_text(root: Path, fp: FakeProcess) -> None:
    (root / "run/netns/nginx").touch()
    fp.register(query_links("nginx"), stdout=json.dumps(LINKS))
    in_netns(root, "nginx", (100, 101, 102))
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    assert os.listdir(root / "textfiles") == ["netns_helper.prom"]
    found = families(root / "textfiles/netns_helper.prom")

    def values(name: str) -> dict[tuple[tuple[str, str], ...], float]:
        return {tuple(sorted(s.labels.items())): s.value for s in found[name].samples}

    assert found["netns_helper_link_rx_bytes"].type == "counter"
    assert found["netns_helper_link_rx_bytes"].documentation == "Bytes received by the link."
    assert values("netns_helper_link_rx_bytes")[(("link", "eth0"), ("netns", "nginx"))] == 12345
    assert values("netns_helper_link_tx_bytes")[(("link", "eth0"), ("netns", "nginx"))] == 6789
    assert values("netns_helper_link_rx_packets")[(("link", "eth0"), ("netns", "nginx"))] == 123
    assert values("netns_helper_link_rx_errors")[(("link", "eth0"), ("netns", "nginx"))] == 1
    assert values("netns_helper_link_rx_dropped")[(("link", "eth0"), ("netns", "nginx"))] == 2
    assert values("netns_helper_link_tx_errors")[(("link", "eth0"), ("netns", "nginx"))] == 3
    assert values("netns_helper_link_tx_dropped")[(("link", "eth0"), ("netns", "nginx"))] == 4
    assert values("netns_helper_link_up") == {
        (("link", "lo"), ("netns", "nginx")): 1,
        (("link", "eth0"), ("netns", "nginx")): 1,
        (("link", "ipsec0"), ("netns", "nginx")): 0,
        (("link", ODD), ("netns", "nginx")): 0,
    }
    assert found["netns_helper_xfrm_interfaces"].type == "gauge"
    assert values("netns_helper_xfrm_interfaces") == {(("netns", "nginx"),): 1}
    assert values("netns_helper_processes") == {(("netns", "nginx"),): 3}
    assert values("netns_helper_namespace_running") == {(("netns", "idle"),): 0, (("netns", "nginx"),): 1}


def test_label_values_are_escaped(root: Path) -> None:
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


def test_print_commands_writes_nothing(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "run/netns/nginx").touch()
    fp.register(query_links("nginx"), stdout=json.dumps(LINKS[:2]))
    in_netns(root, "nginx", (100,))
    assert main(["--print-commands", "metrics", f"--textfile-dir={root}/textfiles/"]) == 0
    assert os.listdir(root / "textfiles") == []
    out = capsys.readouterr().out
    temp, final = f"{root}/textfiles/.netns_helper.prom.tmp", f"{root}/textfiles/netns_helper.prom"
    assert f"rm -f {temp}\nprintf '%s\\n' '# HELP netns_helper_namespace_running " in out
    assert " 'netns_helper_processes{netns=\"nginx\"} 1' " in out
    assert f" >{temp}\nmv -f -T {temp} {final}\n" in out


def test_a_namespace_deleted_meanwhile_is_left_out(root: Path, fp: FakeProcess) -> None:
    (root / "run/netns/gone").touch()
    fp.register(query_links("gone"), returncode=1, stderr='Cannot open network namespace "gone"')
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    found = families(root / "textfiles/netns_helper.prom")
    assert found["netns_helper_processes"].samples == []
    assert {s.labels["netns"] for s in found["netns_helper_namespace_running"].samples} == {"idle", "nginx"}


def test_failed_rename_leaves_no_temporary_file(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "textfiles/netns_helper.prom").write_text("# the previous run's\n")
    mv(fp, returncode=1)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 1
    assert "metrics into" in capsys.readouterr().err
    assert os.listdir(root / "textfiles") == ["netns_helper.prom"]
    assert (root / "textfiles/netns_helper.prom").read_text() == "# the previous run's\n"


def test_a_temporary_file_left_by_a_crash_is_replaced(root: Path, fp: FakeProcess) -> None:
    (root / "textfiles/.netns_helper.prom.tmp").write_text("half a fi")
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    assert os.listdir(root / "textfiles") == ["netns_helper.prom"]


def test_missing_directory_exits_2(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", f"--textfile-dir={root}/nonexistent"]) == 2
    assert f"{root}/nonexistent: no such directory" in capsys.readouterr().err
    assert main(["metrics", "--textfile-dir"]) == 2
