# SPDX-License-Identifier: GPL-3.0-or-later
"""The record of what start did: stop gives back exactly that, whatever happened to the configuration since."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from .conftest import TOOL, Host, ipj, sh, wait_for
from .test_core import NGINX

RECORD = Path("/run/network/netns/nginx/netns-helper.json")


def _link(name: str, netns: str | None = None) -> dict[str, Any]:
    where = ("-n", netns) if netns else ()
    (link,) = ipj(*where, "-d", "link", "show", "dev", name)
    return dict(link)


def _identity(link: dict[str, Any]) -> tuple[int, str, str | None]:
    return link["ifindex"], link["address"], (link.get("linkinfo") or {}).get("info_kind")


def _names(netns: str | None = None) -> set[str]:
    where = ("-n", netns) if netns else ()
    return {link["ifname"] for link in ipj(*where, "link", "show")}


def test_start_records_what_it_moved_in(host: Host) -> None:
    host.nic("eth0", "peer0")
    eth0 = _link("eth0")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    record = json.loads(RECORD.read_text())
    assert record["complete"] is True
    assert record["netns"] == "nginx"
    assert [(m["name"], m["ifindex"], m["address"], m["kind"]) for m in record["moved"]] == [
        ("eth0", eth0["ifindex"], eth0["address"], "veth")
    ]
    assert record["created"] == record["veths"] == record["dests"] == []
    assert not any(p.name.endswith(".tmp") for p in RECORD.parent.iterdir())


def test_stop_gives_back_links_the_edited_configuration_no_longer_names(host: Host) -> None:
    # A veth NIC and a macvlan of a host NIC are moved in; then the admin takes them out of the
    # file while the namespace runs. Stop by the file alone deleted both with the namespace.
    host.nic("eth0", "peer0")
    host.nic("up0", "peer1")
    sh("ip", "link", "add", "mv0", "link", "up0", "type", "macvlan", "mode", "bridge")
    before = {name: _identity(_link(name)) for name in ("eth0", "mv0")}
    snapshot = host.snapshot()
    path = host.configure("nginx", NGINX + "\nauto mv0\niface mv0 inet manual\n")
    host.tool("start", "nginx")
    assert {"eth0", "mv0"} <= _names("nginx")
    path.write_text("auto lo\niface lo inet loopback\n")
    host.tool("stop", "nginx")
    assert {name: _identity(_link(name)) for name in ("eth0", "mv0")} == before
    assert host.snapshot() == snapshot


def test_stop_gives_back_a_nic_under_its_own_name_after_the_file_is_deleted(host: Host) -> None:
    host.nic("eth0", "peer0")
    before = _identity(_link("eth0"))
    path = host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    path.unlink()
    stop = host.tool("stop", "nginx")
    assert "no usable record" not in stop.stderr
    assert _identity(_link("eth0")) == before
    assert os.listdir("/run/netns") == []


def test_stop_gives_back_a_nic_that_ifupdown_renamed_inside(host: Host) -> None:
    host.nic("eth0", "peer0")
    before = _identity(_link("eth0"))
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    # What a `rename eth0=wan0` stanza (or an admin) does inside: by its name alone, the link
    # is no longer the configuration's, and went with the namespace.
    sh("ip", "-n", "nginx", "link", "set", "dev", "eth0", "down")
    sh("ip", "-n", "nginx", "link", "set", "dev", "eth0", "name", "wan0")
    host.tool("stop", "nginx")
    assert _identity(_link("eth0")) == before
    assert "wan0" not in _names()


def test_a_missing_or_corrupt_record_falls_back_to_the_configuration_with_a_warning(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    for damage, why in (("unlink", "it is missing"), ('{"format": 1, "netns"', "it is corrupt")):
        host.tool("start", "nginx")
        if damage == "unlink":
            RECORD.unlink()
        else:
            RECORD.write_text(damage)
        stop = host.tool("stop", "nginx")
        assert f"warning: no usable record of what start did in namespace nginx: {RECORD}: {why}" in stop.stderr
        assert "giving back what the configuration names now" in stop.stderr
        assert "eth0" in _names()
        assert os.listdir("/run/netns") == []


def test_a_link_that_cannot_be_given_back_keeps_the_namespace(host: Host) -> None:
    host.nic("eth0", "peer0")
    before = _identity(_link("eth0"))
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    # Another link takes the name meanwhile: the move back fails, and a check by name passed on
    # the impostor, then the namespace was deleted with the NIC (a veth destroyed) in it.
    sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "imp0")
    stop = host.tool("stop", "nginx", check=False)
    assert stop.returncode == 1, stop.stderr
    assert "the link named eth0 here is another one, not the one given back" in stop.stderr
    assert "the namespace is kept, not deleted, so that the link is not lost" in stop.stderr
    assert os.listdir("/run/netns") == ["nginx"]
    assert _identity(_link("eth0", "nginx")) == before
    # Half stopped, it is no finished start any more: start would clean it up, and fails alike.
    start = host.tool("start", "nginx", check=False)
    assert start.returncode == 1
    assert "exists already (stale?): stopping it first" in start.stderr
    assert "the link named eth0 here is another one" in start.stderr
    assert _identity(_link("eth0", "nginx")) == before
    # Once the name is free, stop finishes the job.
    sh("ip", "link", "delete", "eth0")
    host.tool("stop", "nginx")
    assert _identity(_link("eth0")) == before
    assert os.listdir("/run/netns") == []


def test_printed_stop_script_keeps_the_namespace_too(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    sh("ip", "link", "add", "eth0", "type", "veth", "peer", "name", "imp0")
    script = host.tool("--print-commands", "stop", "nginx").stdout
    assert "ip -o link show dev eth0 | grep -Eq -e" in script
    run = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
    assert run.returncode != 0
    assert os.listdir("/run/netns") == ["nginx"]
    assert "eth0" in _names("nginx")


def test_start_of_a_finished_running_namespace_changes_nothing(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    inode = os.stat("/run/netns/nginx").st_ino
    service = subprocess.Popen(["ip", "netns", "exec", "nginx", "sleep", "600"])
    try:
        again = host.tool("start", "nginx")
        assert "note: namespace nginx is running and its start finished: nothing to do" in again.stderr
        assert service.poll() is None  # the service lives on
        assert os.stat("/run/netns/nginx").st_ino == inode
        assert "eth0" in _names("nginx")
    finally:
        service.kill()
        service.wait()


def test_start_after_a_crash_halfway_replaces_the_leftover(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    inode = os.stat("/run/netns/nginx").st_ino
    # What a start killed before its last step leaves: the record of what it was doing.
    RECORD.write_text(RECORD.read_text().replace('"complete":true', '"complete":false'))
    again = host.tool("start", "nginx")
    assert "exists already (stale?): stopping it first" in again.stderr
    assert os.stat("/run/netns/nginx").st_ino != inode
    assert json.loads(RECORD.read_text())["complete"] is True


def test_a_plain_file_left_by_a_killed_ip_netns_add_is_cleaned_up(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    note = "/run/netns/nginx is a plain file, not a namespace (left by a killed `ip netns add`): removing it"
    Path("/run/netns/nginx").touch()  # what `ip netns add` leaves, killed before its mount
    assert host.tool("check", "nginx").returncode == 0
    stop = host.tool("stop", "nginx")
    assert note in stop.stderr
    assert os.listdir("/run/netns") == []
    Path("/run/netns/nginx").touch()
    start = host.tool("start", "nginx")
    assert note in start.stderr
    assert "eth0" in _names("nginx")
    assert os.stat("/run/netns/nginx").st_dev != os.stat("/run/netns").st_dev  # a real namespace now
    host.tool("stop", "nginx")
    assert os.listdir("/run/netns") == []


def test_start_and_stop_from_inside_the_namespace_are_refused(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    for command in ("stop", "start"):
        inside = sh("ip", "netns", "exec", "nginx", str(TOOL), command, "nginx", check=False)
        assert inside.returncode == 2, inside.stderr
        assert inside.stderr == (
            f"netns-helper: refusing to {command} nginx from inside namespace nginx (ip netns exec?):"
            " it would end itself halfway; run it in the host's namespace\n"
        )
        assert "eth0" in _names("nginx")
    host.tool("stop", "nginx")
    assert "eth0" in _names()


def test_a_new_activation_of_the_unit_rebuilds_what_an_earlier_one_left(host: Host) -> None:
    # Under systemd: a restart whose ExecStop failed to spawn left the namespace; the next
    # activation's start rebuilds it, while a start by hand (no $INVOCATION_ID) leaves it.
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)

    def start(invocation: str | None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "INVOCATION_ID"}
        env.update({"INVOCATION_ID": invocation} if invocation else {})
        return subprocess.run([str(TOOL), "start", "nginx"], capture_output=True, text=True, env=env, check=True)

    start("1111")
    inode = os.stat("/run/netns/nginx").st_ino
    assert "nothing to do" in start(None).stderr
    assert "nothing to do" in start("1111").stderr
    assert os.stat("/run/netns/nginx").st_ino == inode
    assert "exists already (stale?): stopping it first" in start("2222").stderr
    assert os.stat("/run/netns/nginx").st_ino != inode
    assert json.loads(RECORD.read_text())["invocation"] == "2222"


def test_status_reports_a_namespace_a_mount_and_a_hidden_process_keep_after_stop(host: Host) -> None:
    """After stop, another tool's bind mount of the namespace and a process stop could not see keep it alive.

    The process is in a PID namespace of its own, and stop runs in another (with its own /proc):
    neither sees the other, as `ip netns pids` would not. /run/netns stays a shared mount there
    (--propagation unchanged), so stop's `ip netns delete` unmounts it here too.
    """
    host.nic("eth0", "peer0", "192.0.2.1/24")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    Path("/run/other-tool").mkdir()
    Path("/run/other-tool/ns").touch()
    sh("mount", "--bind", "/run/netns/nginx", "/run/other-tool/ns")
    holder = subprocess.Popen(
        ["ip", "netns", "exec", "nginx", "unshare", "--pid", "--fork", "--mount-proc", "sleep", "600"]
    )
    try:
        ino = os.stat("/run/netns/nginx").st_ino
        wait_for(
            lambda: any(_in_namespace(pid, ino) and _comm(pid) == "sleep" for pid in _pids()), timeout=30, what="sleep"
        )
        hidden = [TOOL, "stop", "nginx"]
        sh("unshare", "--pid", "--fork", "--mount-proc", "--propagation", "unchanged", *map(str, hidden))
        assert not os.path.exists("/run/netns/nginx")
        assert "eth0" in _names()  # given back: only lo is left in the namespace kept alive
        result = host.tool("status", "--json", check=False)
        assert result.returncode == 1, result.stdout
        (nginx,) = json.loads(result.stdout)["namespaces"]
        sleeps = [pid for pid in _pids() if _in_namespace(pid, ino) and _comm(pid) == "sleep"]
        assert [(k["mount"], k["pid"]) for k in nginx["kept"]] == [("/run/other-tool/ns", None)] + [
            (None, pid) for pid in sorted(p for p in _pids() if _in_namespace(p, ino))
        ]
        assert sleeps and all(k["inode"] == ino for k in nginx["kept"])
        assert nginx["problems"][0] == (
            f"leftover: namespace nginx outlived its deletion (net:[{ino}]), kept by a mount at /run/other-tool/ns: "
            "umount /run/other-tool/ns"
        )
        assert f"kept by process {sleeps[0]} (sleep) in it: kill {sleeps[0]}" in host.tool("status", check=False).stdout
    finally:
        holder.kill()
        holder.wait()
        for pid in _pids():
            if _comm(pid) == "sleep":
                sh("kill", "-9", str(pid), check=False)
    sh("umount", "/run/other-tool/ns")
    wait_for(lambda: not any(_in_namespace(pid, ino) for pid in _pids()), timeout=30, what="the holders' end")
    result = host.tool("status", "--json", check=False)
    assert json.loads(result.stdout)["namespaces"][0]["kept"] == [] and result.returncode == 0, result.stdout


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _in_namespace(pid: int, ino: int) -> bool:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino == ino
    except OSError:
        return False


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
