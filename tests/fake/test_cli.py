# SPDX-License-Identifier: GPL-3.0-or-later
"""The command line end to end against faked processes, in a throwaway root."""

from __future__ import annotations

import json
import os
import shlex
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import __version__
from netns_helper.cli import main

from .conftest import in_netns, nginx_root

HOST_LINKS = json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}, {"ifname": "eth1"}])
QUERY_HOST = ["ip", "-j", "-d", "link", "show"]


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return nginx_root(tmp_path, monkeypatch)


def _start_cmds(root: Path) -> list[list[str]]:
    state = f"{root}/run/network/netns/nginx"
    return [
        ["ip", "netns", "add", "nginx"],
        ["ip", "-n", "nginx", "link", "set", "dev", "lo", "up"],
        ["ip", "link", "set", "dev", "eth0", "netns", "nginx"],
        ["ip", "netns", "exec", "nginx", "ifup", "-a", f"--state-dir={state}"],
    ]


def test_start_runs_the_plan_in_order(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    for cmd in _start_cmds(root):
        fp.register(cmd)
    assert main(["--verbose", "start", "nginx"]) == 0
    assert [list(c) for c in fp.calls] == [QUERY_HOST, *_start_cmds(root)]
    err = capsys.readouterr().err
    assert "+ ip netns add nginx\n" in err
    assert "+ ip link set dev eth0 netns nginx\n" in err
    assert (root / "run/network/netns/nginx").is_dir()
    assert (root / "etc/netns/nginx/resolv.conf").read_text().startswith("# Written by netns-helper")
    assert sorted(os.listdir(root / "etc/netns/nginx/network")) == [
        "if-down.d", "if-post-down.d", "if-pre-up.d", "if-up.d", "interfaces",
    ]  # fmt: skip


def _start_failing_in_ifup(root: Path, fp: FakeProcess, **ifup: Any) -> list[list[str]]:
    """Registers a start of nginx whose ifup ends as IFUP says, and its undo; every expected call."""
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    cmds = _start_cmds(root)
    bound = root / "run/netns/nginx"  # where end_processes looks for the namespace's processes (none)
    fp.register(cmds[0], callback=lambda _: bound.touch())
    for cmd in cmds[1:3]:
        fp.register(cmd)
    fp.register(cmds[3], **ifup)
    state = f"--state-dir={root}/run/network/netns/nginx"
    undo = [
        ["ip", "netns", "exec", "nginx", "ifdown", "-a", "--force", state],
        ["ip", "-n", "nginx", "link", "set", "dev", "eth0", "netns", str(os.getpid())],
        ["ip", "netns", "delete", "nginx"],
    ]
    for cmd in undo[:2]:
        fp.register(cmd)
    fp.register(undo[2], callback=lambda _: bound.unlink())
    return [QUERY_HOST, *cmds, *undo]


def test_failed_start_undoes_and_exits_1(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    calls = _start_failing_in_ifup(root, fp, returncode=1, stderr="ifup: failed to bring up eth0")
    assert main(["start", "nginx"]) == 1
    assert [list(c) for c in fp.calls] == calls
    err = capsys.readouterr().err
    assert "netns-helper: start nginx failed:\n" in err
    assert "exit code 1: ifup: failed to bring up eth0" in err
    assert "ip netns exec nginx ifup -a" in err
    assert "undone:" in err
    assert not (root / "run/network/netns/nginx").exists()
    assert not (root / "etc/netns/nginx/resolv.conf").exists()


def test_interrupted_start_undoes_and_names_the_signal(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    ended = threading.Event()

    def hung_ifup(process: Any) -> None:
        # systemd's SIGTERM at TimeoutStartSec, to the main thread as to the real single-threaded tool
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGALRM})
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)
        assert ended.wait(10)

    def on_signal(process: Any, sig: int) -> None:
        process.returncode = -sig
        ended.set()

    calls = _start_failing_in_ifup(root, fp, callback=hung_ifup, signal_callback=on_signal)
    assert main(["start", "nginx"]) == 1
    assert [list(c) for c in fp.calls] == calls
    err = capsys.readouterr().err
    assert "netns-helper: start nginx interrupted by SIGTERM:\n" in err
    ifup = shlex.join(_start_cmds(root)[3])
    assert f"{ifup}: interrupted by SIGTERM: (no output)" in err
    assert not (root / "run/network/netns/nginx").exists()


def test_config_error_exits_2_before_any_process(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    path = root / "etc/netns/nginx/network/interfaces"
    path.write_text("auto lo\naddress 1.2.3.4\n")
    assert main(["start", "nginx"]) == 2
    assert fp.calls == type(fp.calls)()
    assert capsys.readouterr().err == f"{path}:2: error: unknown word 'address' outside any stanza\n" + (
        "  hint: options belong after an `iface` line; stanzas start with iface, mapping, auto, "
        "allow-*, source, source-directory, rename or link-netns\n"
    )


def test_missing_nic_exits_2_after_read_only_queries(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(QUERY_HOST, stdout=json.dumps([{"ifname": "lo"}]))
    assert main(["start", "nginx"]) == 2
    assert [list(c) for c in fp.calls] == [QUERY_HOST]
    assert (
        f"{root}/etc/netns/nginx/network/interfaces:6: error: interface 'eth0' does not exist"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "x y", "ngin$x", "é", "a" * 234, "a" * 251, "a" * 256])
def test_bad_namespace_names(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], name: str) -> None:
    assert main(["start", "--", name]) == 2
    assert "namespace name" in capsys.readouterr().err
    assert len(fp.calls) == 0


def test_missing_config_file(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["start", "other"]) == 2
    assert f"{root}/etc/netns/other/network/interfaces: no such file" in capsys.readouterr().err


def test_print_commands_runs_only_queries(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["--print-commands", "start", "nginx"]) == 0
    assert [list(c) for c in fp.calls] == [QUERY_HOST]
    out = capsys.readouterr().out
    assert out.startswith("#!/bin/sh\n")
    assert "ip link set dev eth0 netns nginx\n" in out
    assert not (root / "run/network/netns/nginx").exists()


def test_stop_absent_namespace_succeeds_with_note(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["stop", "nginx"]) == 0
    assert "note: namespace nginx is not running: nothing to stop" in capsys.readouterr().err


def test_stop_carries_on_and_reports_every_failure(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "run/netns/nginx").touch()
    (root / "etc/netns/nginx/network/interfaces").write_text("garbage\n")  # broken meanwhile: stop anyway
    state = f"--state-dir={root}/run/network/netns/nginx"
    fp.register(
        ["ip", "-n", "nginx", "-j", "-d", "link", "show"], stdout=json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}])
    )
    fp.register(["ip", "netns", "exec", "nginx", "ifdown", "-a", state], returncode=1, stderr="ifdown: boom")
    fp.register(
        ["ip", "-n", "nginx", "link", "set", "dev", "eth0", "netns", str(os.getpid())], returncode=2, stderr="busy"
    )
    fp.register(["ip", "link", "show", "dev", "eth0"], returncode=1, stderr='Device "eth0" does not exist.')
    assert main(["stop", "nginx"]) == 1
    # No facts about the host's own links, and no `ip netns delete`: eth0 is not back.
    assert len(fp.calls) == 4
    assert (root / "run/netns/nginx").exists()
    err = capsys.readouterr().err
    assert err.startswith("netns-helper: warning: stopping what is running; the configuration has an error:\n")
    assert "warning: no usable record of what start did in namespace nginx" in err
    assert "warning: ip netns exec nginx ifdown -a" in err
    summary = err.split("netns-helper: stop nginx failed:\n")[1]
    assert summary == (
        '  ip -n nginx link set dev eth0 netns "$$": exit code 2: busy\n'
        '  ip link show dev eth0 >/dev/null: exit code 1: Device "eth0" does not exist.\n'
    )


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"netns-helper {__version__}\n"
    assert main(["start", "--help"]) == 0
    assert capsys.readouterr().out.endswith("example: netns-helper --verbose start nginx\n")
    assert main(["-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: netns-helper [--print-commands] [--verbose] COMMAND ...\n")
    assert "exit codes: 0 success, 1 a command failed, 2 usage or configuration error." in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [],
            "a command is required: start, stop, check, enable, join, disable, status, metrics, hotplug, reload, "
            "publish, unpublish",
        ),
        (
            ["frobnicate", "x"],
            "unknown command 'frobnicate' (choose from start, stop, check, enable, join, disable, status, metrics, "
            "hotplug, reload, publish, unpublish)",
        ),
        (
            ["metrics", "--textfile-dir"],
            "unknown option '--textfile-dir' for metrics (it takes a value: --option=VALUE)",
        ),
        (["metrics", "--dir=x"], "unknown option '--dir' for metrics"),
        (["start"], "usage: netns-helper start NAME"),
        (["stop", "a", "b"], "usage: netns-helper stop NAME"),
        (["--bogus", "start", "x"], "unknown option '--bogus' for start"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"netns-helper: error: {message}\n(see netns-helper --help)\n"
    assert len(fp.calls) == 0


def test_options_after_the_command(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["start", "nginx", "--print-commands", "-v"]) == 0
    assert capsys.readouterr().out.startswith("#!/bin/sh\n")


XFRM = "[ipsec0]\nIfId=17\nDestNetNS=tunnel\nPrefixes=10.143.12.0/24, 2001:db8:12::/48\n"


def test_xfrm_file_plans_destination_and_batches(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text(XFRM)
    fp.register(QUERY_HOST, stdout=HOST_LINKS)
    assert main(["--print-commands", "start", "nginx"]) == 0
    assert [list(c) for c in fp.calls] == [QUERY_HOST]  # the destination is not running: nothing to ask
    out = capsys.readouterr().out
    assert "ip netns add tunnel\n" in out
    assert "ip -n nginx link add name ipsec0 type xfrm if_id 17\n" in out
    assert "ip -n tunnel -4 -batch - <<'EOF'\nroute add 10.143.12.0/24 dev ipsec0\nEOF\n" in out
    assert "ip -n tunnel -6 -batch - <<'EOF'\nroute add 2001:db8:12::/48 dev ipsec0\nEOF\n" in out
    forwarding = "tee /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding"
    assert f"{forwarding} >/dev/null <<'EOF'\n1\nEOF\n" in out


def test_xfrm_errors_exit_2_with_file_and_line(root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text("[ipsec0]\nIfId=17\nPrefix=10.0.0.0/8\n")
    assert main(["start", "nginx"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{root}/etc/netns/nginx/network/xfrm:3: error: ")
    assert "Prefixes" in err
    assert len(fp.calls) == 0


def test_stop_of_last_user_stops_the_destination(root: Path, fp: FakeProcess) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text(XFRM)
    (root / "run/netns/tunnel").touch()
    dest_links = json.dumps([{"ifname": "lo"}, {"ifname": "ipsec0", "linkinfo": {"info_kind": "xfrm"}}])
    fp.register(["ip", "-n", "tunnel", "-j", "-d", "link", "show"], stdout=dest_links)
    fp.register(["ip", "-n", "tunnel", "link", "delete", "dev", "ipsec0"])
    # nginx itself is not running: only the destination is torn down.
    fp.register(["ip", "netns", "exec", "tunnel", "ifdown", "-a", f"--state-dir={root}/run/network/netns/tunnel"])
    fp.register(["ip", "netns", "delete", "tunnel"])
    assert main(["stop", "nginx"]) == 0
    assert list(fp.calls[-1]) == ["ip", "netns", "delete", "tunnel"]


def test_stop_of_last_user_leaves_a_destination_with_processes(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/netns/nginx/network/xfrm").write_text(XFRM)
    (root / "run/netns/tunnel").touch()
    in_netns(root, "tunnel", [4242])  # something an admin started there with `ip netns exec`
    dest_links = json.dumps([{"ifname": "lo"}, {"ifname": "ipsec0", "linkinfo": {"info_kind": "xfrm"}}])
    fp.register(["ip", "-n", "tunnel", "-j", "-d", "link", "show"], stdout=dest_links)
    assert main(["--print-commands", "stop", "nginx"]) == 0
    out = capsys.readouterr().out
    assert "destination namespace tunnel stays: processes run in it" in out
    assert "ip netns delete tunnel" not in out
