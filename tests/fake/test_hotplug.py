# SPDX-License-Identifier: GPL-3.0-or-later
"""`hotplug add|remove IFACE`: the decision and its plan, against faked processes in a throwaway root."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import record
from netns_helper.cli import main

USB = "auto lo\niface lo inet loopback\n\nallow-hotplug eth2\niface eth2 inet static\n  address 192.0.2.2/24\n"
QUERY_HOST = ["ip", "-j", "-d", "link", "show"]
QUERY_USB = ["ip", "-n", "usb", "-j", "-d", "link", "show"]
ON_HOST = json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}, {"ifname": "eth2"}])
NOT_ON_HOST = json.dumps([{"ifname": "lo"}, {"ifname": "eth0"}])


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Namespace usb claims eth2 with allow-hotplug and runs; web is configured, not running."""
    for name, text in (("usb", USB), ("web", "auto eth3\niface eth3 inet manual\n")):
        (tmp_path / f"etc/netns/{name}/network").mkdir(parents=True)
        (tmp_path / f"etc/netns/{name}/network/interfaces").write_text(text)
    (tmp_path / "run/netns").mkdir(parents=True)
    (tmp_path / "run/netns/usb").touch()
    (tmp_path / "run/network/netns/usb").mkdir(parents=True)
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    return tmp_path


def _ifupdown(root: Path, *args: str) -> list[str]:
    return ["ip", "netns", "exec", "usb", *args, f"--state-dir={root}/run/network/netns/usb"]


def _move_in() -> list[str]:
    return ["ip", "link", "set", "dev", "eth2", "netns", "usb"]


def _register(fp: FakeProcess, *cmds: list[str]) -> None:
    for cmd in cmds:
        fp.register(cmd)


def _calls(fp: FakeProcess) -> list[list[str]]:
    return [list(map(str, c)) for c in fp.calls]


@pytest.mark.parametrize("iface", ["eth3", "eth9", "lo", "wlan0"])
def test_a_device_no_running_namespace_claims_runs_nothing(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str], iface: str
) -> None:
    # eth3 is claimed by web, which does not run (and with auto, not allow-hotplug).
    assert main(["hotplug", "add", iface]) == 0
    assert main(["hotplug", "remove", iface]) == 0
    assert _calls(fp) == []
    assert capsys.readouterr() == ("", "")
    assert not (root / "run/netns-helper").exists()  # no lock taken either


def test_without_any_namespace_nothing_is_read(
    tmp_path: Path, fp: FakeProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETNS_HELPER_ROOT", str(tmp_path))
    assert main(["hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == []


def test_claimed_device_is_moved_in_and_brought_up(root: Path, fp: FakeProcess) -> None:
    fp.register(QUERY_HOST, stdout=ON_HOST)
    up = _ifupdown(root, "ifup", "--allow=hotplug", "eth2")
    _register(fp, _move_in(), up)
    assert main(["hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST, _move_in(), up]
    assert not (root / "run/netns-helper/usb.lock").exists()


def test_a_device_moved_in_joins_the_record_first_so_that_stop_gives_it_back(root: Path, fp: FakeProcess) -> None:
    state = root / "run/network/netns/usb"
    old = record.Moved("eth2", None, 3, "52:54:00:00:00:03")  # the device unplugged since
    started = record.Record("usb", True, moved=(record.Moved("eth1", None, 2, "52:54:00:00:00:02"), old))
    (state / record.FILENAME).write_text(record.dumps(started) + "\n")
    host = [{"ifname": "lo"}, {"ifname": "eth2", "ifindex": 7, "address": "52:54:00:00:00:07"}]
    fp.register(QUERY_HOST, stdout=json.dumps(host))

    def recorded_before_the_move(process: object) -> None:
        rec = record.loads((state / record.FILENAME).read_text(), "usb")
        assert rec.moved == (started.moved[0], record.Moved("eth2", None, 7, "52:54:00:00:00:07"))
        assert rec.complete

    fp.register(_move_in(), callback=recorded_before_the_move)
    up = _ifupdown(root, "ifup", "--allow=hotplug", "eth2")
    fp.register(up)
    assert main(["hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST, _move_in(), up]
    assert os.listdir(state) == [record.FILENAME]


def test_stale_state_of_a_previous_device_is_cleared_first(root: Path, fp: FakeProcess) -> None:
    # The first eth2 vanished inside the namespace: nobody told ifupdown there.
    (root / "run/network/netns/usb/ifstate.eth2").write_text("eth2\n")
    fp.register(QUERY_HOST, stdout=ON_HOST)
    down = _ifupdown(root, "ifdown", "--force", "eth2")
    up = _ifupdown(root, "ifup", "--allow=hotplug", "eth2")
    _register(fp, _move_in(), down, up)
    assert main(["hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST, _move_in(), down, up]


def test_under_systemd_ifup_is_the_units_and_the_namespace_is_not_entered(root: Path, fp: FakeProcess) -> None:
    (root / "run/systemd/system").mkdir(parents=True)
    (root / "run/network/netns/usb/ifstate.eth2").write_text("eth2\n")
    restart = ["systemctl", "--no-block", "restart", "netns-helper-hotplug@eth2.service"]
    fp.register(QUERY_HOST, stdout=ON_HOST)
    _register(fp, _move_in(), restart)
    assert main(["hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST, _move_in(), restart]


def test_the_units_add_here_brings_up_the_device_already_inside(root: Path, fp: FakeProcess) -> None:
    (root / "run/systemd/system").mkdir(parents=True)
    up = _ifupdown(root, "ifup", "--allow=hotplug", "eth2")
    fp.register(QUERY_HOST, stdout=NOT_ON_HOST)
    fp.register(QUERY_USB, stdout=json.dumps([{"ifname": "lo"}, {"ifname": "eth2"}]))
    fp.register(up)
    assert main(["hotplug", "add", "--here", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST, QUERY_USB, up]


def test_a_device_neither_here_nor_inside_is_a_note(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(QUERY_HOST, stdout=NOT_ON_HOST)
    fp.register(QUERY_USB, stdout=json.dumps([{"ifname": "lo"}]))
    assert main(["hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST, QUERY_USB]
    assert "eth2 is neither on the host nor in namespace usb" in capsys.readouterr().err


def test_failed_ifup_is_undone_and_the_device_given_back(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(QUERY_HOST, stdout=ON_HOST)
    up = _ifupdown(root, "ifup", "--allow=hotplug", "eth2")
    down = _ifupdown(root, "ifdown", "--force", "eth2")
    back = ["ip", "-n", "usb", "link", "set", "dev", "eth2", "netns", str(os.getpid())]
    fp.register(_move_in())
    fp.register(up, returncode=1, stderr="ifup: failed")
    _register(fp, down, back)
    assert main(["hotplug", "add", "eth2"]) == 1
    assert _calls(fp) == [QUERY_HOST, _move_in(), up, down, back]
    assert "hotplug add eth2 failed" in capsys.readouterr().err


def test_print_commands_prints_the_plan_and_runs_only_queries(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    fp.register(QUERY_HOST, stdout=ON_HOST)
    assert main(["--print-commands", "hotplug", "add", "eth2"]) == 0
    assert _calls(fp) == [QUERY_HOST]
    state = f"--state-dir={root}/run/network/netns/usb"
    assert capsys.readouterr().out == (
        "#!/bin/sh\n# Generated by netns-helper --print-commands.\nset -euC\nrc=0\n# hotplug add eth2\n"
        "# note: eth2 is claimed by namespace usb (allow-hotplug)\n"
        "ip link set dev eth2 netns usb\n"
        f"ip netns exec usb ifup --allow=hotplug eth2 {state}\n"
        'exit "$rc"\n'
    )
    assert not (root / "run/netns-helper").exists()


def test_remove_takes_the_device_out_of_ifupdown_inside(root: Path, fp: FakeProcess) -> None:
    (root / "run/network/netns/usb/ifstate.eth2").write_text("eth2\n")
    down = _ifupdown(root, "ifdown", "--force", "eth2")
    fp.register(down)
    assert main(["hotplug", "remove", "eth2"]) == 0
    assert _calls(fp) == [down]


def test_remove_without_state_inside_does_nothing(root: Path, fp: FakeProcess) -> None:
    (root / "run/network/netns/usb/ifstate.eth2").write_text("")  # what ifdown leaves
    assert main(["hotplug", "remove", "eth2"]) == 0
    assert _calls(fp) == []


def test_two_running_namespaces_claiming_one_device_change_nothing(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/netns/usb2/network").mkdir(parents=True)
    (root / "etc/netns/usb2/network/interfaces").write_text(USB)
    (root / "run/netns/usb2").touch()
    assert main(["hotplug", "add", "eth2"]) == 1
    assert _calls(fp) == []
    assert "claimed by allow-hotplug in more than one running namespace: usb, usb2" in capsys.readouterr().err


def test_a_broken_configuration_of_another_namespace_is_skipped(
    root: Path, fp: FakeProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "etc/netns/bad/network").mkdir(parents=True)
    (root / "etc/netns/bad/network/interfaces").write_text("iface\n")
    (root / "run/netns/bad").touch()
    fp.register(QUERY_HOST, stdout=ON_HOST)
    up = _ifupdown(root, "ifup", "--allow=hotplug", "eth2")
    _register(fp, _move_in(), up)
    assert main(["hotplug", "add", "eth2"]) == 0
    assert "warning: ignoring namespace bad" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["hotplug", "plug", "eth2"],
        ["hotplug", "add", "bad/name"],
        ["hotplug", "remove", "--here", "eth2"],
        ["hotplug", "watch", "--here", "eth2"],
    ],
)
def test_bad_command_lines_exit_2(root: Path, fp: FakeProcess, argv: list[str]) -> None:
    assert main(argv) == 2
    assert _calls(fp) == []
