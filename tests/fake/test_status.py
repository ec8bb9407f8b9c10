# SPDX-License-Identifier: GPL-3.0-or-later
"""`status` against faked `systemctl show`, `ip -j -d addr show` and `ip netns pids`, in a throwaway root."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from pytest_subprocess import FakeProcess

from netns_helper.cli import main
from netns_helper.dropins import NETNS_CONF, join_dropin

from ..examples import SPEC_NGINX as NGINX
from .conftest import in_netns, nginx_root

XFRM = "[ipsec0]\nIfId=17\nDestNetNS=tunnel\nPrefixes=10.143.12.0/24\n"
SHOW = ["systemctl", "show", "-p", "Id,ActiveState,SubState,MainPID", "--"]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = nginx_root(tmp_path, monkeypatch)
    (root / "etc/systemd/system/nginx.service.d").mkdir(parents=True)
    (root / "etc/systemd/system/nginx.service.d/netns.conf").symlink_to(NETNS_CONF)
    (root / "run/systemd/system").mkdir(parents=True)
    return root


def link(name: str, *addresses: str, kind: str | None = None, up: bool = True) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ifname": name,
        "flags": ["BROADCAST", "UP", "LOWER_UP"] if up else ["BROADCAST"],
        "operstate": "UP" if up else "DOWN",
        "addr_info": [
            {"family": "inet", "local": a.split("/")[0], "prefixlen": int(a.split("/")[1])} for a in addresses
        ],
    }
    if kind:
        entry["linkinfo"] = {"info_kind": kind}
    return entry


LO = {"ifname": "lo", "flags": ["LOOPBACK", "UP", "LOWER_UP"], "operstate": "UNKNOWN", "addr_info": []}


def show(*units: tuple[str, str, str, int]) -> str:
    return "\n".join(f"Id={u}\nActiveState={a}\nSubState={s}\nMainPID={p}\n" for u, a, s, p in units)


def running(root: Path, fp: FakeProcess, name: str, links: list[dict[str, Any]], pids: str = "") -> None:
    (root / "run/netns" / name).touch()
    fp.register(["ip", "-n", name, "-j", "-d", "addr", "show"], stdout=json.dumps(links))
    in_netns(root, name, map(int, pids.split()))


def status_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["status", "--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def nginx_units(fp: FakeProcess, netns_state: str = "active", nginx_state: str = "active", pid: int = 100) -> None:
    fp.register(
        [*SHOW, "systemd-netns@nginx.service", "nginx.service"],
        stdout=show(
            ("systemd-netns@nginx.service", netns_state, "exited" if netns_state == "active" else "dead", 0),
            ("nginx.service", nginx_state, "running" if nginx_state == "active" else "dead", pid),
        ),
    )


def test_healthy_namespace(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    nginx_units(fp)
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "100\n101\n")
    code, status = status_json(capsys)
    assert code == 0
    assert status == {
        "ok": True,
        "namespaces": [
            {
                "name": "nginx",
                "config": f"{root}/etc/netns/nginx/network/interfaces",
                "running": True,
                "unit": {"name": "systemd-netns@nginx.service", "active": "active", "sub": "exited", "main_pid": None},
                "services": [
                    {
                        "unit": {"name": "nginx.service", "active": "active", "sub": "running", "main_pid": 100},
                        "dropin": f"{root}/etc/systemd/system/nginx.service.d/netns.conf",
                    }
                ],
                "dest_of": [],
                "pids": [100, 101],
                "links": [
                    {"name": "lo", "kind": None, "state": "UNKNOWN", "up": True, "addresses": [], "parent": None},
                    {
                        "name": "eth0",
                        "kind": None,
                        "state": "UP",
                        "up": True,
                        "addresses": ["192.0.2.2/24"],
                        "parent": None,
                    },
                ],
                "xfrm": [],
                "wireguard": [],
                "problems": [],
                "peers": [],
                "births": [],
                "published": [],
                "kept": [],
                "ok": True,
            }
        ],
    }


def test_human_output(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    nginx_units(fp)
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "100\n")
    assert main(["status", "nginx"]) == 0
    assert capsys.readouterr().out == (
        "nginx: running, ok\n"
        f"  configuration   {root}/etc/netns/nginx/network/interfaces\n"
        "  unit            systemd-netns@nginx.service: active (exited)\n"
        f"  service         nginx.service: active (running), main pid 100 "
        f"(drop-in {root}/etc/systemd/system/nginx.service.d/netns.conf)\n"
        "  processes       100\n"
        "  link            lo UNKNOWN\n"
        "  link            eth0 UP 192.0.2.2/24\n"
    )


def test_drift_missing_extra_and_down_links(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "etc/netns/nginx/network/interfaces").write_text(NGINX + "\nauto eth1\niface eth1 inet manual\n")
    nginx_units(fp)
    running(root, fp, "nginx", [LO, link("eth1", up=False), link("eth5"), link("sit0", kind="sit")], "100\n")
    code, status = status_json(capsys)
    assert code == 1
    assert status["ok"] is False
    assert status["namespaces"][0]["problems"] == [
        "drift: eth0 is configured but not in namespace nginx",
        "drift: eth5 is in namespace nginx but not in its configuration",
        "drift: eth1 is down in namespace nginx, but configured up",
    ]


def test_leftover_namespace_of_an_inactive_unit(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    nginx_units(fp, netns_state="inactive", nginx_state="inactive", pid=0)
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")])
    code, status = status_json(capsys, "nginx")
    assert code == 1
    assert status["namespaces"][0]["problems"] == [
        "leftover: namespace nginx runs, but systemd-netns@nginx.service is inactive: netns-helper stop nginx"
    ]


def test_active_unit_without_its_namespace(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    nginx_units(fp)
    code, status = status_json(capsys)
    assert code == 1
    assert status["namespaces"][0]["running"] is False
    assert status["namespaces"][0]["problems"] == [
        "systemd-netns@nginx.service is active but namespace nginx does not exist: "
        "systemctl restart systemd-netns@nginx.service",
        "nginx.service runs outside namespace nginx (main pid 100): systemctl restart nginx.service",
    ]


def test_service_started_before_its_dropin(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    nginx_units(fp, pid=555)
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "100\n")
    code, status = status_json(capsys)
    assert code == 1
    assert status["namespaces"][0]["problems"] == [
        "nginx.service runs outside namespace nginx (main pid 555): systemctl restart nginx.service"
    ]


def test_failed_unit(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    nginx_units(fp, netns_state="failed", nginx_state="inactive", pid=0)
    code, status = status_json(capsys)
    assert code == 1
    assert status["namespaces"][0]["problems"] == [
        "systemd-netns@nginx.service failed: journalctl -u systemd-netns@nginx.service"
    ]


def test_without_systemd_units_are_unknown(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "run/systemd/system").rmdir()
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "100\n")
    code, status = status_json(capsys)
    assert code == 0
    ns = status["namespaces"][0]
    assert ns["unit"] == {
        "name": "systemd-netns@nginx.service",
        "active": "unknown",
        "sub": "unknown",
        "main_pid": None,
    }
    assert [next(map(str, call)) for call in fp.calls] == ["ip"]  # no systemctl; processes are read from /proc


def test_one_process_per_namespace_and_pids_from_one_walk_of_proc(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "run/systemd/system").rmdir()
    for i in range(1, 4):
        (root / f"etc/netns/ns{i}/network").mkdir(parents=True)
        (root / f"etc/netns/ns{i}/network/interfaces").write_text(NGINX.replace("eth0", f"eth{i}"))
        running(root, fp, f"ns{i}", [LO, link(f"eth{i}", "192.0.2.2/24")], f"{i}0\n{i}1\n")
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "7\n")
    (root / "proc/8/ns").mkdir(parents=True)  # a zombie: no ns/net to read
    (root / "proc/9/ns").mkdir(parents=True)
    (root / "proc/9/ns/net").write_text("")  # in a namespace of its own
    (root / "proc/self").symlink_to("9")
    code, status = status_json(capsys)
    assert code == 0
    assert {ns["name"]: ns["pids"] for ns in status["namespaces"]} == {
        "nginx": [7], "ns1": [10, 11], "ns2": [20, 21], "ns3": [30, 31],
    }  # fmt: skip
    assert sorted(list(map(str, call))[2] for call in fp.calls) == [
        "nginx",
        "ns1",
        "ns2",
        "ns3",
    ]  # ip -n NAME ... addr show


def test_stranded_nic_in_a_namespace_nothing_configures(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(
        [*SHOW, "systemd-netns@nginx.service", "systemd-netns@old.service", "nginx.service"],
        stdout=show(("systemd-netns@nginx.service", "inactive", "dead", 0), ("nginx.service", "inactive", "dead", 0)),
    )
    running(root, fp, "old", [LO, link("eth7"), link("veth0", kind="veth")])
    code, status = status_json(capsys)
    assert code == 1
    old = status["namespaces"][1]
    assert (old["name"], old["config"], old["running"]) == ("old", None, True)
    assert old["problems"] == [
        "stranded NIC eth7 in namespace old, which nothing configures: ip -n old link set dev eth7 netns 1"
    ]


def test_services_bound_by_handwritten_dropins(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "etc/systemd/system/nginx.service.d/netns.conf").unlink()
    packaged = Path(__file__).resolve().parents[2] / "share/systemd-netns-helper/netns.conf"
    (root / "etc/systemd/system/nginx.service.d/copy.conf").write_text(packaged.read_text())
    (root / "etc/systemd/system/web.service.d").mkdir(parents=True)
    (root / "etc/systemd/system/web.service.d/ns.conf").write_text("[Service]\nNetworkNamespacePath=/run/netns/nginx\n")
    fp.register(
        [*SHOW, "systemd-netns@nginx.service", "nginx.service", "web.service"],
        stdout=show(("systemd-netns@nginx.service", "inactive", "dead", 0)),
    )
    code, status = status_json(capsys)
    assert code == 0
    assert [(s["unit"]["name"], s["unit"]["active"]) for s in status["namespaces"][0]["services"]] == [
        ("nginx.service", "unknown"),
        ("web.service", "unknown"),
    ]


def test_joined_service_and_xfrm_destination(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text(XFRM)
    (root / "etc/systemd/system/web.service.d").mkdir(parents=True)
    (root / "etc/systemd/system/web.service.d/netns.conf").write_text(join_dropin("nginx"))
    fp.register(
        [*SHOW, "systemd-netns@nginx.service", "systemd-netns@tunnel.service", "nginx.service", "web.service"],
        stdout=show(
            ("systemd-netns@nginx.service", "active", "exited", 0),
            ("systemd-netns@tunnel.service", "inactive", "dead", 0),
            ("nginx.service", "active", "running", 100),
            ("web.service", "active", "running", 200),
        ),
    )
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "100\n200\n")
    running(root, fp, "tunnel", [LO, link("ipsec0", kind="xfrm")])
    code, status = status_json(capsys)
    assert code == 0, status
    nginx, tunnel = status["namespaces"]
    assert [s["unit"]["name"] for s in nginx["services"]] == ["nginx.service", "web.service"]
    assert nginx["xfrm"] == [
        {"name": "ipsec0", "if_id": 17, "dest": "tunnel", "prefixes": ["10.143.12.0/24"], "present": True}
    ]
    assert (tunnel["config"], tunnel["dest_of"], tunnel["problems"]) == (None, ["nginx"], [])


def test_missing_xfrm_interface_and_leftover_destination(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text(XFRM)
    (root / "etc/netns/tunnel/network").mkdir(parents=True)
    (root / "etc/netns/tunnel/network/interfaces").write_text("auto lo\niface lo inet loopback\n")
    fp.register(
        [*SHOW, "systemd-netns@nginx.service", "systemd-netns@tunnel.service", "nginx.service"],
        stdout=show(("systemd-netns@nginx.service", "active", "exited", 0), ("nginx.service", "active", "running", 1)),
    )
    running(root, fp, "nginx", [LO, link("eth0", "192.0.2.2/24")], "1\n")
    code, status = status_json(capsys)
    assert code == 1
    assert status["namespaces"][0]["problems"] == ["XFRM interface ipsec0 is missing from namespace tunnel"]
    assert status["namespaces"][0]["xfrm"][0]["present"] is False
    assert status["namespaces"][1]["problems"] == []  # the destination is not running: nothing left over


def test_configuration_error_is_a_problem(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "etc/netns/nginx/network/interfaces").write_text("auto lo\naddress 1.2.3.4\n")
    nginx_units(fp, netns_state="inactive", nginx_state="inactive", pid=0)
    code, status = status_json(capsys)
    assert code == 1
    assert status["namespaces"][0]["problems"][0].startswith(
        f"{root}/etc/netns/nginx/network/interfaces:2: error: unknown word 'address'"
    )


def test_namespace_deleted_while_reading(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    nginx_units(fp)
    (root / "run/netns/nginx").touch()
    fp.register(["ip", "-n", "nginx", "-j", "-d", "addr", "show"], returncode=1, stderr="Cannot open network namespace")
    code, status = status_json(capsys)
    assert code == 1
    assert status["namespaces"][0]["problems"][0].startswith("cannot read namespace nginx: ")


def test_unknown_namespace_exits_2(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "nosuch"]) == 2
    assert "namespace nosuch is neither configured" in capsys.readouterr().err
    assert main(["status", "a/b"]) == 2
    assert len(fp.calls) == 0


def test_nothing_managed(
    tmp_path: Path, fp: FakeProcess, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    assert main(["status"]) == 0
    assert capsys.readouterr().out == "no namespace is configured or running\n"


@pytest.mark.parametrize(
    ("unit_state", "pids", "leftover"),
    [("inactive", "", True), ("active", "", False), ("inactive", "300\n", False)],
    ids=["unused", "started-on-its-own", "in-use"],
)
def test_a_destination_its_service_left_running_is_a_leftover_only_when_unused(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], unit_state: str, pids: str, leftover: bool
) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text(XFRM)
    fp.register(
        [*SHOW, "systemd-netns@nginx.service", "systemd-netns@tunnel.service", "nginx.service"],
        stdout=show(
            ("systemd-netns@nginx.service", "inactive", "dead", 0),
            ("systemd-netns@tunnel.service", unit_state, "exited" if unit_state == "active" else "dead", 0),
            ("nginx.service", "inactive", "dead", 0),
        ),
    )
    running(root, fp, "tunnel", [LO], pids)
    code, status = status_json(capsys)
    tunnel = status["namespaces"][1]
    assert tunnel["name"] == "tunnel"
    problem = "leftover: destination namespace tunnel runs, but none of nginx does"
    assert tunnel["problems"] == ([problem] if leftover else [])
    assert code == (1 if leftover else 0)


def deleted_namespace(root: Path, mounts: tuple[str, ...] = (), deleted: float = 1000.0) -> tuple[int, int]:
    """A namespace that a stop of nginx deleted (its note, kept.py), still held: a file stands for it on nsfs."""
    (root / "nsfs").mkdir()
    (root / "nsfs/net").write_text("")
    st = (root / "nsfs/net").stat()
    (root / "run/netns-helper/stopped").mkdir(parents=True)
    note = {"netns": "nginx", "dev": st.st_dev, "ino": st.st_ino, "deleted": deleted, "mounts": list(mounts)}
    (root / "run/netns-helper/stopped/nginx.json").write_text(json.dumps(note) + "\n")
    return st.st_dev, st.st_ino


def held_by(root: Path, pid: int, command: str, started: float) -> None:
    """Process PID (COMMAND, started STARTED seconds after boot) in the deleted namespace of `deleted_namespace`."""
    (root / f"proc/{pid}/ns").mkdir(parents=True)
    os.link(root / "nsfs/net", root / f"proc/{pid}/ns/net")
    ticks = int(started * os.sysconf("SC_CLK_TCK"))
    (root / f"proc/{pid}/stat").write_text(f"{pid} ({command}) S {' '.join(['0'] * 18)} {ticks} 0 0\n")


def mounted_at(root: Path, dev: int, ino: int, *points: str) -> None:
    """/proc/self/mountinfo with the deleted namespace mounted at POINTS (escaped as the kernel does)."""
    (root / "proc/self").mkdir(parents=True, exist_ok=True)
    lines = ["22 1 0:21 / /run rw,nosuid - tmpfs tmpfs rw,mode=755"]
    for i, point in enumerate(points):
        escaped = point.replace(" ", "\\040")
        lines.append(f"{600 + i} 22 {os.major(dev)}:{os.minor(dev)} net:[{ino}] {escaped} rw - nsfs nsfs rw")
    (root / "proc/self/mountinfo").write_text("\n".join(lines) + "\n")


def test_a_deleted_namespace_kept_by_a_mount_and_a_process_is_a_leftover(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    nginx_units(fp, netns_state="inactive", nginx_state="inactive", pid=0)
    dev, ino = deleted_namespace(root, mounts=("/run/other tool/ns",))
    mounted_at(root, dev, ino, "/run/other tool/ns")
    held_by(root, 200, "sleep", started=500.0)  # before the deletion: stop could not see it
    held_by(root, 201, "sleep child", started=1500.0)  # its child, after
    code, status = status_json(capsys)
    assert code == 1
    (nginx,) = status["namespaces"]
    assert nginx["running"] is False
    assert nginx["problems"] == [
        f"leftover: namespace nginx outlived its deletion (net:[{ino}]), kept by a mount at /run/other tool/ns: "
        "umount /run/other tool/ns",
        f"leftover: namespace nginx outlived its deletion (net:[{ino}]), kept by process 200 (sleep) in it: kill 200",
        f"leftover: namespace nginx outlived its deletion (net:[{ino}]), kept by process 201 (sleep child) in it: "
        "kill 201",
    ]
    assert nginx["kept"] == [
        {"inode": ino, "mount": "/run/other tool/ns", "pid": None, "command": None},
        {"inode": ino, "mount": None, "pid": 200, "command": "sleep"},
        {"inode": ino, "mount": None, "pid": 201, "command": "sleep child"},
    ]
    nginx_units(fp, netns_state="inactive", nginx_state="inactive", pid=0)
    assert main(["status"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("nginx: stopped, 3 problems\n")
    assert f"  problem         {nginx['problems'][1]}\n" in text


def test_a_namespace_of_that_inode_born_after_the_deletion_is_not_a_leftover(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    """The kernel reuses a freed namespace's inode number: another tool's namespace may get it."""
    nginx_units(fp, netns_state="inactive", nginx_state="inactive", pid=0)
    dev, ino = deleted_namespace(root)  # nothing was left mounted at the deletion
    mounted_at(root, dev, ino, "/run/docker/netns/c0ffee")
    held_by(root, 300, "containerd-shim", started=2000.0)
    code, status = status_json(capsys)
    assert (code, status["namespaces"][0]["problems"], status["namespaces"][0]["kept"]) == (0, [], [])


def test_a_deleted_namespace_of_a_removed_configuration_is_listed_too(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/netns/nginx/network/interfaces").unlink()
    fp.register([*SHOW, "systemd-netns@nginx.service", "nginx.service"], stdout=show())
    deleted_namespace(root)
    held_by(root, 200, "sleep", started=5.0)
    code, status = status_json(capsys, "nginx")
    assert code == 1
    assert [(ns["name"], ns["config"], [k["pid"] for k in ns["kept"]]) for ns in status["namespaces"]] == [
        ("nginx", None, [200])
    ]


def test_what_a_plan_deletes_is_noted_with_the_mounts_left(root: Path) -> None:
    from netns_helper import facts, kept
    from netns_helper.commands import MakeDirs, Plan, ReplaceFile, Run, Step
    from netns_helper.executor import Executor
    from netns_helper.facts import Paths
    from netns_helper.iproute import netns_delete, query_links

    paths = Paths(etc=f"{root}/etc", run=f"{root}/run", proc=f"{root}/proc")
    (root / "run/netns/nginx").write_text("")
    (root / "run/netns/web").write_text("")
    plan = Plan("stop nginx", (Step(netns_delete("nginx")), Step(ReplaceFile("x", "")), Step(netns_delete("web"))))
    assert kept.deleted_by(plan) == ["nginx", "web"]
    assert kept.deleted_by(Plan("q", (Step(Run(query_links("nginx"))),))) == []
    before = {name: facts.identity(paths, name) for name in ("nginx", "web")}
    assert kept.notes_for(paths, {n: i for n, i in before.items() if i}) == []  # nothing deleted yet
    os.link(root / "run/netns/nginx", root / "bound-elsewhere")  # the same inode, "mounted" elsewhere
    (root / "run/netns/nginx").unlink()
    dev, ino = before["nginx"] or (0, 0)
    mounted_at(root, dev, ino, "/srv/ns")
    actions = kept.notes_for(paths, {n: i for n, i in before.items() if i})
    assert actions[0] == MakeDirs(f"{root}/run/netns-helper/stopped")
    assert [type(a) for a in actions] == [MakeDirs, ReplaceFile]  # web is still there
    for action in actions:
        Executor(log=io.StringIO()).do(action)
    (note,) = kept.read_notes(paths)
    assert (note.netns, note.identity, note.mounts) == ("nginx", (dev, ino), ("/srv/ns",))
    assert note.deleted > 0
