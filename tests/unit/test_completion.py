# SPDX-License-Identifier: GPL-3.0-or-later
"""Bash completion: the shipped script is generated from the command table, and completes as it says."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from netns_helper.args import _SHORT, GLOBAL_FLAGS, Command
from netns_helper.completion import bash
from netns_helper.usage import COMMANDS

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "share" / "bash-completion" / "netns-helper"
GLOBAL = sorted([*GLOBAL_FLAGS, *_SHORT])

pytestmark = [pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash"), pytest.mark.real_processes]


def test_the_shipped_script_is_the_generated_one() -> None:
    assert SCRIPT.read_text() == bash(COMMANDS), "run `make completion` and commit the result"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Namespaces a and b configured, c running only; services of systemctl; web bound by enable."""
    for name in ("a", "b"):
        (tmp_path / f"etc/netns/{name}/network").mkdir(parents=True)
        (tmp_path / f"etc/netns/{name}/network/interfaces").write_text("auto lo\n")
    (tmp_path / "etc/netns/empty").mkdir()  # no interfaces file: not a namespace
    (tmp_path / "run/netns").mkdir(parents=True)
    (tmp_path / "run/netns/c").touch()
    (tmp_path / "run/netns/a").touch()
    (tmp_path / "etc/systemd/system/web.service.d").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/web.service.d/netns.conf").symlink_to("/nonexistent/netns.conf")
    (tmp_path / "etc/systemd/system/ssh.service.d").mkdir(parents=True)
    (tmp_path / "etc/systemd/system/ssh.service.d/override.conf").write_text("")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "systemctl").write_text(
        "#!/bin/sh\n"
        '[ "$*" = "list-unit-files --type=service --no-legend --no-pager" ] || exit 1\n'
        "printf '%s\\n' 'nginx.service enabled enabled' 'ssh.service enabled enabled' "
        "'getty@.service enabled enabled' 'web.service disabled enabled'\n"
    )
    (bin_dir / "systemctl").chmod(0o755)
    return tmp_path


def complete(root: Path, line: str) -> list[str]:
    """COMPREPLY for LINE (the cursor at its end), as bash's programmable completion calls the function."""
    words = line.split(" ")
    program = (
        f"source {SCRIPT}\n"
        'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="${*}"\n'
        '_netns_helper netns-helper "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "NETNS_HELPER_ROOT": str(root), "PATH": f"{root}/bin:{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program, "bash", *words],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, "")
    return sorted(filter(None, proc.stdout.split("\n")))


def test_commands(root: Path) -> None:
    assert complete(root, "netns-helper ") == sorted(c.name for c in COMMANDS)
    assert complete(root, "netns-helper st") == ["start", "status", "stop"]
    assert complete(root, "netns-helper --verbose sto") == ["stop"]
    assert complete(root, "netns-helper frobnicate ") == []


def test_global_options(root: Path) -> None:
    assert complete(root, "netns-helper -") == GLOBAL
    assert complete(root, "netns-helper --p") == ["--print-commands"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_options_of_each_command(root: Path, command: Command) -> None:
    own = [flag for flag, _ in command.flags] + [f"{option}=" for option, _, _ in command.options]
    assert complete(root, f"netns-helper {command.name} -") == sorted(GLOBAL + own)


def test_namespaces_from_etc_netns_and_run_netns(root: Path) -> None:
    for command in ("start", "stop", "status", "check"):
        assert complete(root, f"netns-helper {command} ") == ["a", "b", "c"]
    assert complete(root, "netns-helper check a ") == ["a", "b", "c"]  # check takes many
    assert complete(root, "netns-helper stop a ") == []  # stop takes one
    assert complete(root, "netns-helper -v --print-commands start b") == ["b"]


def test_services(root: Path) -> None:
    assert complete(root, "netns-helper enable ") == ["nginx", "ssh", "web"]  # no template
    assert complete(root, "netns-helper enable --now n") == ["nginx"]
    assert complete(root, "netns-helper join ") == ["nginx", "ssh", "web"]
    assert complete(root, "netns-helper join --restart-with web ") == ["a", "b", "c"]
    assert complete(root, "netns-helper disable ") == ["web"]  # only what enable or join wrote


def test_hotplug(root: Path) -> None:
    assert complete(root, "netns-helper hotplug ") == ["add", "remove", "watch"]
    assert complete(root, "netns-helper hotplug add l") == ["lo"]
    assert complete(root, "netns-helper hotplug --here a") == ["add"]


def test_an_option_with_a_value(root: Path) -> None:
    assert complete(root, "netns-helper metrics --t") == ["--textfile-dir="]
    assert complete(root, "netns-helper metrics --textfile-dir = /tmp ") == []


def test_reload_publish_and_unpublish(root: Path) -> None:
    systemd = root / "etc/systemd/system"
    (systemd / "netns-publish-a-8080.socket").write_text("")
    (systemd / "netns-publish-b-443.socket").write_text("")
    assert complete(root, "netns-helper reload ") == ["a", "b", "c"]
    assert complete(root, "netns-helper publish ") == ["nginx", "ssh", "web"]
    assert complete(root, "netns-helper publish nginx ") == []  # a port: the admin's choice
    assert complete(root, "netns-helper publish nginx 8080 ") == []
    assert complete(root, "netns-helper unpublish ") == ["nginx", "ssh", "web"]
    assert complete(root, "netns-helper unpublish nginx ") == ["443", "8080"]
    assert complete(root, "netns-helper unpublish nginx 8") == ["8080"]
