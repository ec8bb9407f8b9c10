# SPDX-License-Identifier: GPL-3.0-or-later
"""Transactional start, concurrency and repetition, with the real ip and ifupdown."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import TOOL, Host, ipj, sh

NGINX = "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n"
LINKS_HOST = (
    "auto lo\niface lo inet loopback\nlink-netns web link0 link1\niface link0 inet static\n  address 100.64.0.0/31\n"
)
LINKS_NS = (
    "auto lo\niface lo inet loopback\nauto eth0 link1 br0..1\niface eth0 inet static\n  address 192.0.2.2/24\n"
    "iface link1 inet static\n  address 100.64.0.1/31\niface br0..1 inet static\n  address 203.0.113.2/24\n"
)

# Every call of ip, ifup and ifdown (the tool's, and those ifupdown makes) counts; call
# number $FAIL_AT fails as a real command would, the others run the real program.
SHIM = """#!/bin/sh
n=$(($(cat "$COUNTER") + 1)); echo "$n" >"$COUNTER"
if [ "$n" = "$FAIL_AT" ]; then echo "injected failure in call $n: $(basename "$0") $*" >&2; exit 1; fi
exec REAL "$@"
"""


def _locks() -> list[str]:
    """What is in /run/netns-helper but the notes of deleted namespaces (stopped/, kept.py): lock files."""
    return [name for name in os.listdir("/run/netns-helper") if name != "stopped"]


def _shims(tmp_path: Path, shim: str = SHIM) -> Path:
    bin_dir = tmp_path / "shims"
    bin_dir.mkdir()
    for prog in ("ip", "ifup", "ifdown"):
        real = shutil.which(prog)
        assert real, prog
        (bin_dir / prog).write_text(shim.replace("REAL", real))
        (bin_dir / prog).chmod(0o755)
    return bin_dir


def _start_with_failure(bin_dir: Path, counter: Path, fail_at: int, name: str) -> subprocess.CompletedProcess[str]:
    counter.write_text("0")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "COUNTER": str(counter), "FAIL_AT": str(fail_at)}
    return subprocess.run([str(TOOL), "start", name], env=env, capture_output=True, text=True, check=False)


# The cases of the fault-injection tests: each namespace (see `_setup`) and the kind of its "NIC"
# eth0 (see `Host.nic`): a veth, and a macvlan, which is not (stop must give it back, not delete it).
CASES = [("nginx", "veth"), ("nginx", "macvlan"), ("links", "veth"), ("firewall", "veth")]


def _setup(host: Host, case: str, nic: str = "veth") -> str:
    """The namespace of CASE configured on HOST: nginx (a NIC), links (a veth and a bridge port), or
    firewall (nginx with a ruleset and a sysctl, which go in through `ip netns exec`: failures injected there too).
    NIC is the kind of link eth0 is (`Host.nic`).
    """
    host.nic("eth0", "peer0", "192.0.2.1/24", kind=nic)
    if case in ("nginx", "firewall"):
        host.configure("nginx", NGINX)
        if case == "firewall":
            Path("/etc/netns/nginx/nftables.conf").write_text("flush ruleset\ntable inet f {\n}\n")
            Path("/etc/netns/nginx/sysctl.conf").write_text("net.ipv4.ip_forward = 1\n")
        return "nginx"
    sh("ip", "link", "add", "br0", "type", "bridge")
    sh("ip", "link", "set", "br0", "up")
    Path("/etc/network/interfaces").write_text(LINKS_HOST)
    host.configure("web", LINKS_NS)
    return "web"


@pytest.mark.parametrize(("case", "nic"), CASES)
def test_a_failure_at_any_step_leaves_the_host_as_before(host: Host, tmp_path: Path, case: str, nic: str) -> None:
    name = _setup(host, case, nic)
    bin_dir, counter = _shims(tmp_path), tmp_path / "count"
    before = host.snapshot()
    ok = _start_with_failure(bin_dir, counter, 0, name)
    assert ok.returncode == 0, ok.stderr
    calls = int(counter.read_text())
    host.tool("stop", name)
    assert host.snapshot() == before
    assert calls >= 5
    for k in range(1, calls + 1):
        result = _start_with_failure(bin_dir, counter, k, name)
        if result.returncode == 0:
            # A failure inside ifupdown's own hooks that ifupdown tolerates: then stop must clean up.
            host.tool("stop", name)
        else:
            assert result.returncode == 1, result.stderr
            assert "injected failure" in result.stderr
            assert "Traceback" not in result.stderr
        assert host.snapshot() == before, f"state differs after a failure in call {k}:\n{result.stderr}"
        assert _locks() == []


# Call number $KILL_AT sends SIGTERM to the tool (as systemd does when TimeoutStartSec= runs out),
# then runs the real program, which the tool then ends; $HANG makes it hang instead, ignoring SIGTERM.
KILL_SHIM = """#!/bin/sh
n=$(($(cat "$COUNTER") + 1)); echo "$n" >"$COUNTER"; echo "$n $(basename "$0") $*" >>"$COUNTER.log"
if [ "$n" = "$KILL_AT" ]; then
  kill -TERM "$(cat "$PIDFILE")"
  if [ -n "$HANG" ]; then trap '' TERM; exec sleep 60; fi
fi
exec REAL "$@"
"""


def _start_interrupted(bin_dir: Path, tmp_path: Path, kill_at: int, name: str, hang: bool = False) -> tuple[int, str]:
    counter, pidfile = tmp_path / "count", tmp_path / "pid"
    counter.write_text("0")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "COUNTER": str(counter),
        "KILL_AT": str(kill_at),
        "PIDFILE": str(pidfile),
        "HANG": "1" if hang else "",
    }
    # The tool's PID is in PIDFILE before it runs anything: exec keeps the shell's.
    proc = subprocess.run(
        ["sh", "-c", 'echo $$ >"$PIDFILE"; exec "$@"', "sh", str(TOOL), "start", name],
        env=env, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    return proc.returncode, proc.stderr


@pytest.mark.parametrize(("case", "nic"), CASES)
def test_sigterm_at_any_step_of_a_start_leaves_the_host_as_before(
    host: Host, tmp_path: Path, case: str, nic: str
) -> None:
    name = _setup(host, case, nic)
    bin_dir = _shims(tmp_path, KILL_SHIM)
    before = host.snapshot()
    rc, err = _start_interrupted(bin_dir, tmp_path, 0, name)
    assert rc == 0, err
    calls = int((tmp_path / "count").read_text())
    host.tool("stop", name)
    assert host.snapshot() == before
    for k in range(1, calls + 1):
        rc, err = _start_interrupted(bin_dir, tmp_path, k, name)
        assert rc == 1, f"call {k}: {rc}\n{err}"
        assert "interrupted by SIGTERM" in err and "Traceback" not in err, err
        assert host.snapshot() == before, f"state differs after SIGTERM in call {k}:\n{err}"
        assert _locks() == []


def test_sigterm_ends_a_hung_ifup_that_ignores_it_and_undoes_the_start(host: Host, tmp_path: Path) -> None:
    name = _setup(host, "nginx")
    bin_dir = _shims(tmp_path, KILL_SHIM)
    before = host.snapshot()
    _start_interrupted(bin_dir, tmp_path, 0, name)
    host.tool("stop", name)
    log = (tmp_path / "count.log").read_text().splitlines()
    ifup_call = next(int(line.split()[0]) for line in log if line.split()[1:6] == ["ip", "netns", "exec", name, "ifup"])
    t0 = time.monotonic()
    rc, err = _start_interrupted(bin_dir, tmp_path, ifup_call, name, hang=True)
    assert rc == 1, err
    assert "ifup -a --state-dir=/run/network/netns/nginx: interrupted by SIGTERM" in err
    assert time.monotonic() - t0 < 20  # SIGKILL after KILL_GRACE, not the 3 minutes of ifup's timeout
    assert host.snapshot() == before


def test_twenty_namespaces_start_and_stop_at_once(host: Host) -> None:
    names = [f"ns{i}" for i in range(20)]
    for i, name in enumerate(names):
        host.nic(f"e{i}", f"p{i}", f"10.99.{i}.1/24")
        host.configure(
            name, f"auto lo\niface lo inet loopback\nauto e{i}\niface e{i} inet static\n  address 10.99.{i}.2/24\n"
        )
    before = host.snapshot()
    starts = [subprocess.Popen([str(TOOL), "start", n], stderr=subprocess.PIPE, text=True) for n in names]
    for proc in starts:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    for i, name in enumerate(names):
        addrs = {(a["ifname"], i["local"]) for a in ipj("-n", name, "addr", "show") for i in a["addr_info"]}
        assert ("lo", "127.0.0.1") in addrs and (f"e{i}", f"10.99.{i}.2") in addrs
    sh("ping", "-c", "1", "-W", "2", "10.99.19.2")
    stops = [subprocess.Popen([str(TOOL), "stop", n], stderr=subprocess.PIPE, text=True) for n in names]
    for proc in stops:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert host.snapshot() == before


def test_starts_of_one_namespace_are_serialized(host: Host) -> None:
    host.nic("eth0", "peer0", "192.0.2.1/24")
    host.configure("nginx", NGINX)
    procs = [subprocess.Popen([str(TOOL), "start", "nginx"], stderr=subprocess.PIPE, text=True) for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert os.listdir("/run/netns") == ["nginx"]
    sh("ping", "-c", "1", "-W", "2", "192.0.2.2")
    host.tool("stop", "nginx")


def _mounts() -> list[str]:
    """The mounts where the tool could leave one: under /run, /etc and /var/lib, and any namespace (nsfs).

    Not all: the host's own come and go in the sandbox too (the kernel detaches a mount whose
    mount point another namespace deletes, such as a tier-5 image build's on the same machine).
    """
    mounts = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        point, fstype = fields[4], fields[fields.index("-") + 1]
        if fstype == "nsfs" or any(point == top or point.startswith(f"{top}/") for top in ("/run", "/etc", "/var/lib")):
            mounts.append(f"{point} {fstype}")
    return sorted(mounts)


# A hundred with a veth; thirty with a macvlan, whose way back (by its record) the first ones show: the tier's time.
@pytest.mark.parametrize(("nic", "cycles"), [("veth", 100), ("macvlan", 30)])
def test_start_stop_cycles_leave_nothing_behind(host: Host, nic: str, cycles: int) -> None:
    host.nic("eth0", "peer0", "192.0.2.1/24", kind=nic)
    host.configure("nginx", NGINX)
    # The first `ip netns add` makes /run/netns a mount point of its own, once: count after it.
    host.tool("start", "nginx")
    host.tool("stop", "nginx")
    before, mounts = host.snapshot(), _mounts()
    for _ in range(cycles):
        host.tool("start", "nginx")
        host.tool("stop", "nginx")
    assert host.snapshot() == before
    assert _mounts() == mounts
    assert _locks() == []
    assert os.listdir("/run/network/netns") == []
    assert [f for f in os.listdir("/run/network") if f.startswith("ifstate")] == []
