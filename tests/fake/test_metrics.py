# SPDX-License-Identifier: GPL-3.0-or-later
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
    return ["ip", "-n", netns, "-s", "-s", "-d", "-j", "link", "show"]


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
    temp, final = f"{root}/textfiles/.netns_helper.prom.{os.getpid()}.tmp", f"{root}/textfiles/netns_helper.prom"
    assert "\nprintf '%s\\n' '# HELP netns_helper_namespace_running " in out
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


def test_a_temporary_file_left_by_a_crash_is_removed_and_one_in_use_kept(root: Path, fp: FakeProcess) -> None:
    gone = 2**22 + 1  # above the kernel's pid_max: never a live PID
    for name in (".netns_helper.prom.tmp", f".netns_helper.prom.{gone}.tmp", f".netns_helper.prom.{os.getppid()}.tmp"):
        (root / "textfiles" / name).write_text("half a fi")
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    assert sorted(os.listdir(root / "textfiles")) == [f".netns_helper.prom.{os.getppid()}.tmp", "netns_helper.prom"]


def test_an_empty_textfile_dir_is_refused(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--textfile-dir="]) == 2
    assert "--textfile-dir= is empty" in capsys.readouterr().err


def test_missing_directory_exits_2(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", f"--textfile-dir={root}/nonexistent"]) == 2
    assert f"{root}/nonexistent: no such directory" in capsys.readouterr().err
    assert main(["metrics", "--textfile-dir"]) == 2


def test_node_exporter_families_of_the_original_package(root: Path, fp: FakeProcess) -> None:
    """node_network_* as node_exporter names and documents them, labelled netns and device."""
    (root / "run/netns/nginx").touch()
    eth0 = {
        "ifindex": 7,
        "link_index": 8,
        "ifname": "eth0",
        "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        "mtu": 1500,
        "operstate": "UP",
        "txqlen": 1000,
        "address": "02:00:00:00:00:07",
        "broadcast": "ff:ff:ff:ff:ff:ff",
        "ifalias": "front office",
        "stats64": {
            "rx": {
                "bytes": 9000,
                "packets": 90,
                "errors": 9,
                "dropped": 1,
                "missed_errors": 2,
                "over_errors": 1,
                "length_errors": 2,
                "crc_errors": 3,
                "frame_errors": 4,
                "fifo_errors": 5,
                "multicast": 6,
            },
            "tx": {
                "bytes": 8000,
                "packets": 80,
                "errors": 8,
                "dropped": 7,
                "fifo_errors": 1,
                "collisions": 2,
                "carrier_errors": 1,
                "aborted_errors": 10,
                "window_errors": 100,
                "heartbeat_errors": 1000,
            },
        },
    }
    down = {"ifindex": 9, "ifname": "eth1", "flags": ["BROADCAST"], "mtu": 9000, "operstate": "DOWN"}
    fp.register(query_links("nginx"), stdout=json.dumps([eth0, down]))
    mv(fp)
    assert main(["metrics", f"--textfile-dir={root}/textfiles"]) == 0
    found = families(root / "textfiles/netns_helper.prom")

    def values(name: str) -> dict[str, float]:
        assert {tuple(sorted(s.labels)) for s in found[name].samples} <= {("device", "netns")}, name
        return {s.labels["device"]: s.value for s in found[name].samples if s.labels["netns"] == "nginx"}

    netdev = {
        "receive_bytes": 9000,
        "receive_packets": 90,
        "receive_errs": 9,
        "receive_drop": 3,
        "receive_fifo": 5,
        "receive_frame": 10,
        "receive_multicast": 6,
        "transmit_bytes": 8000,
        "transmit_packets": 80,
        "transmit_errs": 8,
        "transmit_drop": 7,
        "transmit_fifo": 1,
        "transmit_colls": 2,
        "transmit_carrier": 1111,
    }
    for key, value in netdev.items():
        family = found[f"node_network_{key}"]  # the parser drops the _total suffix of a counter
        assert (family.type, family.documentation) == ("counter", f"Network device statistic {key}.")
        assert values(f"node_network_{key}") == {"eth0": value, "eth1": 0}
    for key, value in {"mtu_bytes": 1500, "iface_id": 7, "iface_link": 8, "transmit_queue_length": 1000}.items():
        assert found[f"node_network_{key}"].documentation == f"Network device property: {key}"
        assert values(f"node_network_{key}")["eth0"] == value
    assert values("node_network_mtu_bytes")["eth1"] == 9000
    assert values("node_network_iface_link")["eth1"] == 9  # no peer: its own index, as sysfs says
    assert values("node_network_carrier") == {"eth0": 1}  # eth1 is down: no carrier to read
    assert found["node_network_up"].documentation == "Value is 1 if operstate is 'up', 0 otherwise."
    assert values("node_network_up") == {"eth0": 1, "eth1": 0}
    (info,) = (s for s in found["node_network_info"].samples if s.labels["device"] == "eth0")
    assert info.value == 1
    assert info.labels == {
        "netns": "nginx",
        "device": "eth0",
        "address": "02:00:00:00:00:07",
        "broadcast": "ff:ff:ff:ff:ff:ff",
        "ifalias": "front office",
        "operstate": "up",
    }
    assert found["node_network_info"].documentation.startswith("Non-numeric data from /sys/class/net/<iface>")
