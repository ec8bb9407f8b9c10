# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec's nginx example and the core's promises, with the real ip and ifupdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

from tests.examples import SPEC_NGINX

from .conftest import TOOL, Host, ipj, ns_view, sh, wait_for

NGINX = SPEC_NGINX + "    dns-nameservers 192.0.2.53\n"


def _listening(addr: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((addr, port)) == 0


# http.server's HTTPServer would look its own name up in DNS first, and the namespace's
# nameserver does not exist: a plain TCPServer serves at once.
_SERVER = (
    "import functools, http.server, socketserver, sys\n"
    "handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[3])\n"
    "socketserver.TCPServer((sys.argv[1], int(sys.argv[2])), handler).serve_forever()\n"
)


def _serve(netns: str, addr: str, port: int, root: Path) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        ["ip", "netns", "exec", netns, sys.executable, "-c", _SERVER, addr, str(port), str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: _listening(addr, port), what=f"http server on {addr}:{port} in {netns}")
    return server


def test_spec_nginx_example_end_to_end(host: Host, tmp_path: Path) -> None:
    host.nic("eth0", "peer0", "192.0.2.1/24")
    host.configure("nginx", NGINX)
    before = host.snapshot()

    host.tool("start", "nginx")
    links = {link["ifname"]: link for link in ipj("-n", "nginx", "addr", "show")}
    assert set(links) == {"lo", "eth0"}
    assert "UP" in links["lo"]["flags"]
    assert [(i["local"], i["prefixlen"]) for i in links["eth0"]["addr_info"] if i["family"] == "inet"] == [
        ("192.0.2.2", 24)
    ]
    assert "eth0" not in {link["ifname"] for link in ipj("link", "show")}
    assert [r["gateway"] for r in ipj("-n", "nginx", "route", "show", "default")] == ["192.0.2.1"]
    assert Path("/etc/netns/nginx/resolv.conf").read_text().splitlines()[1:] == ["nameserver 192.0.2.53"]
    assert os.path.isdir("/run/network/netns/nginx")

    (tmp_path / "index.html").write_text("hello from the namespace\n")
    server = _serve("nginx", "192.0.2.2", 8080, tmp_path)
    with urllib.request.urlopen("http://192.0.2.2:8080/index.html", timeout=5) as reply:
        assert reply.read() == b"hello from the namespace\n"
    assert not _listening("127.0.0.1", 8080)  # not in the host's namespace

    host.tool("stop", "nginx")  # ends the server too
    assert server.wait(timeout=5) == -signal.SIGTERM
    assert host.snapshot() == before
    assert "eth0" in {link["ifname"] for link in ipj("link", "show")}


def test_namespace_ifupdown_state_is_separate_from_the_hosts(host: Host) -> None:
    # The host has lo and an eth0 recorded as up in /run/network: ifup inside must not skip them.
    host.nic("eth0", "peer0", "192.0.2.1/24")
    Path("/etc/network/interfaces").write_text("auto lo\niface lo inet loopback\niface eth0 inet manual\n")
    sh("ifup", "lo", "eth0")
    assert {"ifstate.lo", "ifstate.eth0"} <= set(os.listdir("/run/network"))
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    links = {link["ifname"]: link for link in ipj("-n", "nginx", "addr", "show")}
    assert "UP" in links["lo"]["flags"]
    assert "192.0.2.2" in [i["local"] for i in links["eth0"]["addr_info"]]
    sh("ping", "-c", "1", "-W", "2", "192.0.2.2")
    host.tool("stop", "nginx")
    assert {"ifstate.lo", "ifstate.eth0"} <= set(os.listdir("/run/network"))  # the host's state is untouched


def test_stop_ends_processes_even_one_ignoring_sigterm(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    polite = subprocess.Popen(["ip", "netns", "exec", "nginx", "sleep", "600"])
    ignores_term = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True)"
    stubborn = subprocess.Popen(
        ["ip", "netns", "exec", "nginx", sys.executable, "-c", ignores_term + "; time.sleep(600)"],
        stdout=subprocess.PIPE,
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    assert sorted(map(int, sh("ip", "netns", "pids", "nginx").stdout.split())) == sorted([polite.pid, stubborn.pid])
    host.tool("stop", "nginx")
    assert polite.wait(timeout=1) == -signal.SIGTERM
    assert stubborn.wait(timeout=1) == -signal.SIGKILL
    assert os.listdir("/run/netns") == []
    assert "eth0" in {link["ifname"] for link in ipj("link", "show")}


def test_stale_namespace_from_a_crash_is_replaced(host: Host) -> None:
    host.nic("eth0", "peer0", "192.0.2.1/24")
    host.configure("nginx", NGINX)
    host.tool("start", "nginx")
    old = os.stat("/run/netns/nginx").st_ino
    straggler = subprocess.Popen(["ip", "netns", "exec", "nginx", "sleep", "600"])
    # A namespace without a record of a finished start (a start killed before it wrote one, or
    # an older version's): a leftover, replaced. (A finished start's namespace is left alone:
    # tests/netns/test_record.py.)
    Path("/run/network/netns/nginx/netns-helper.json").unlink()
    result = host.tool("start", "nginx")
    assert "exists already" in result.stderr
    assert os.stat("/run/netns/nginx").st_ino != old
    assert straggler.wait(timeout=1) == -signal.SIGTERM
    assert "192.0.2.2" in [i["local"] for a in ipj("-n", "nginx", "addr", "show") for i in a["addr_info"]]
    sh("ping", "-c", "1", "-W", "2", "192.0.2.2")
    host.tool("stop", "nginx")
    assert os.listdir("/run/netns") == []


def test_printed_plan_run_by_sh_leaves_the_same_state(host: Host, tmp_path: Path) -> None:
    host.nic("eth0", "peer0", "192.0.2.1/24")
    host.configure("nginx", NGINX)
    before = host.snapshot()

    host.tool("start", "nginx")
    by_tool, host_by_tool = ns_view("nginx"), host.snapshot()
    host.tool("stop", "nginx")
    Path("/etc/netns/nginx/resolv.conf").unlink()  # start writes it when missing; the script must too
    assert host.snapshot() == before

    start = tmp_path / "start.sh"
    start.write_text(host.tool("--print-commands", "start", "nginx").stdout)
    sh("sh", str(start))
    assert ns_view("nginx") == by_tool
    assert host.snapshot() == host_by_tool
    assert Path("/etc/netns/nginx/resolv.conf").read_text().splitlines()[1:] == ["nameserver 192.0.2.53"]

    stop = tmp_path / "stop.sh"
    stop.write_text(host.tool("--print-commands", "stop", "nginx").stdout)
    sh("sh", str(stop))
    assert host.snapshot() == before


def test_failing_ifup_is_rolled_back(host: Host) -> None:
    host.nic("eth0", "peer0")
    host.configure("nginx", NGINX + "    up /bin/false\n")  # ifup fails after configuring eth0
    before = host.snapshot()
    result = host.tool("start", "nginx", check=False)
    assert result.returncode == 1, result.stderr
    assert "ip netns exec nginx ifup -a" in result.stderr
    assert "undone:" in result.stderr
    assert host.snapshot() == before
    assert not Path("/etc/netns/nginx/resolv.conf").exists()


def test_check_errors_refuse_the_start(host: Host) -> None:
    host.nic("eth0", "peer0")
    path = host.configure("nginx", NGINX.replace("192.0.2.2/24", "192.0.2.300/24"))
    before = host.snapshot()
    result = host.tool("start", "nginx", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:8: error: invalid address for eth0")
    assert host.snapshot() == before
    assert host.tool("check", "nginx", check=False).returncode == 2


def test_config_errors_change_nothing(host: Host) -> None:
    host.nic("eth0", "peer0")
    path = host.configure("nginx", NGINX + "auto eth7\niface eth7 inet manual\n")
    before = host.snapshot()
    result = host.tool("start", "nginx", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}:11: error: interface 'eth7' does not exist on this host")
    assert host.snapshot() == before
    assert sorted(os.listdir(path.parent)) == ["interfaces"]


def test_bridge_of_two_nics_with_the_hosts_bridge_hook(host: Host) -> None:
    assert os.path.islink("/etc/network/if-pre-up.d/bridge"), "bridge-utils is a test dependency"
    host.nic("eth3", "peer3", "203.0.113.1/24")
    host.nic("eth4", "peer4")
    host.configure(
        "lan",
        "auto br0\niface br0 inet static\n  address 203.0.113.2/24\n  bridge_ports eth3 eth4\n  bridge_stp off\n",
    )
    before = host.snapshot()
    host.tool("start", "lan")
    members = {link["ifname"] for link in ipj("-n", "lan", "link", "show", "master", "br0")}
    assert members == {"eth3", "eth4"}
    sh("ping", "-c", "1", "-W", "2", "203.0.113.2")
    host.tool("stop", "lan")
    assert host.snapshot() == before


def test_stop_of_a_namespace_that_is_not_running(host: Host) -> None:
    host.configure("nginx", NGINX)
    result = host.tool("stop", "nginx")
    assert "namespace nginx is not running" in result.stderr


def test_a_daemon_started_by_ifup_does_not_hold_up_start(host: Host) -> None:
    # It inherits ifup's stdout and stderr: were they pipes to the tool, start would wait for it.
    host.nic("eth0", "peer0", "192.0.2.1/24")
    host.configure("nginx", NGINX + "    up sleep 600 &\n")
    before = host.snapshot()
    start = subprocess.run([str(TOOL), "start", "nginx"], capture_output=True, text=True, timeout=60, check=False)
    assert start.returncode == 0, start.stderr
    daemons = sh("ip", "netns", "pids", "nginx").stdout.split()
    assert len(daemons) == 1 and Path(f"/proc/{daemons[0]}/cmdline").read_bytes() == b"sleep\x00600\x00"
    host.tool("stop", "nginx")  # ends it
    assert (
        not Path(f"/proc/{daemons[0]}/cmdline").exists()
        or Path(f"/proc/{daemons[0]}/stat").read_text().split()[2] == "Z"
    )
    assert host.snapshot() == before
