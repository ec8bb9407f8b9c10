# SPDX-License-Identifier: GPL-3.0-or-later
"""Hook mirrors: copies, never another name of the host's hook; refreshed or removed as the host's hook changes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from netns_helper.commands import CopyFile, MakeDirs, RemoveFile, Step, Symlink, WriteFile
from netns_helper.executor import CommandFailed, Executor
from netns_helper.facts import HOOK_DIRS, MIRRORS, Entry, Facts, Hook, Paths
from netns_helper.planner import _hook_steps

PATHS = Paths()
BASE = "/etc/netns/web/network"
DIRS = [Step(MakeDirs(f"{BASE}/{d}")) for d in HOOK_DIRS]
BRIDGE = Hook("if-pre-up.d", "bridge", "/etc/network/if-pre-up.d/bridge", "/usr/lib/bridge-utils/ifupdown.sh")
RESOLVED = Hook("if-up.d", "postfix", "/etc/network/if-up.d/postfix", None, "759 0000beef")
RECORD = {"if-pre-up.d/bridge": "link /usr/lib/bridge-utils/ifupdown.sh", "if-up.d/postfix": "file 759 0000beef"}


def _record(record: dict[str, str]) -> list[Step]:
    text = json.dumps(record, indent=0, sort_keys=True) + "\n"
    return [Step(RemoveFile(f"{BASE}/{MIRRORS}")), Step(WriteFile(f"{BASE}/{MIRRORS}", text))]


def _steps(
    entries: dict[str, Entry], mirrors: dict[str, str], hooks: tuple[Hook, ...] = (BRIDGE, RESOLVED)
) -> list[Step]:
    return _hook_steps("web", Facts(host_hooks=hooks, ns_hook_entries=entries, mirrors=mirrors), PATHS)


def test_a_hook_in_the_hidden_directory_is_copied_and_recorded() -> None:
    assert _steps({}, {}) == [
        *DIRS,
        Step(Symlink("/usr/lib/bridge-utils/ifupdown.sh", f"{BASE}/if-pre-up.d/bridge")),
        Step(CopyFile("/etc/network/if-up.d/postfix", f"{BASE}/if-up.d/postfix")),
        *_record(RECORD),
    ]


def test_mirrors_as_made_change_nothing() -> None:
    entries = {key: Entry(kind) for key, kind in RECORD.items()}
    assert _steps(entries, RECORD) == DIRS


def test_a_mirror_of_a_changed_hook_is_refreshed() -> None:
    changed = Hook("if-up.d", "postfix", RESOLVED.path, None, "800 00c0ffee")
    moved = Hook("if-pre-up.d", "bridge", BRIDGE.path, "/usr/libexec/bridge.sh")
    entries = {key: Entry(kind) for key, kind in RECORD.items()}
    assert _steps(entries, RECORD, (moved, changed)) == [
        *DIRS,
        Step(RemoveFile(f"{BASE}/if-pre-up.d/bridge")),
        Step(Symlink("/usr/libexec/bridge.sh", f"{BASE}/if-pre-up.d/bridge")),
        Step(RemoveFile(f"{BASE}/if-up.d/postfix")),
        Step(CopyFile(RESOLVED.path, f"{BASE}/if-up.d/postfix")),
        *_record({"if-pre-up.d/bridge": "link /usr/libexec/bridge.sh", "if-up.d/postfix": "file 800 00c0ffee"}),
    ]


def test_the_admins_own_entry_stays_and_is_not_recorded() -> None:
    entries = {"if-up.d/postfix": Entry("file 12 0badf00d"), "if-pre-up.d/bridge": Entry("link /usr/local/mine")}
    assert _steps(entries, RECORD) == [*DIRS, *_record({})]


def test_mirrors_of_a_removed_package_go_with_its_hooks() -> None:
    entries = {
        "if-pre-up.d/bridge": Entry("link /usr/lib/bridge-utils/ifupdown.sh", dangling=True),
        "if-up.d/postfix": Entry("file 759 0000beef"),
        "if-up.d/mine": Entry("file 12 0badf00d"),  # the admin's: stays
        "if-down.d/old": Entry("link /usr/lib/old/hook", dangling=True),  # made by an earlier version
    }
    assert _steps(entries, RECORD, ()) == [
        *DIRS,
        Step(RemoveFile(f"{BASE}/if-down.d/old")),
        Step(RemoveFile(f"{BASE}/if-pre-up.d/bridge")),
        Step(RemoveFile(f"{BASE}/if-up.d/postfix")),
        *_record({}),
    ]


def test_a_hard_link_made_by_earlier_versions_becomes_a_copy() -> None:
    entries = {
        "if-pre-up.d/bridge": Entry("link /usr/lib/bridge-utils/ifupdown.sh"),
        "if-up.d/postfix": Entry("file 759 0000beef", host_inode=True),
    }
    assert _steps(entries, {}) == [
        *DIRS,
        Step(RemoveFile(f"{BASE}/if-up.d/postfix")),
        Step(CopyFile(RESOLVED.path, f"{BASE}/if-up.d/postfix")),
        *_record(RECORD),
    ]


def test_directories_start_makes_are_never_group_writable_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o002)
    try:
        Executor().do(MakeDirs(f"{tmp_path}/network/if-up.d"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "network/if-up.d").st_mode) == 0o755


def test_a_copy_is_a_new_file_with_the_sources_mode_never_written_through_a_symlink(tmp_path: Path) -> None:
    source = tmp_path / "hook"
    source.write_text("#!/bin/sh\n:\n")
    source.chmod(0o750)
    Executor().do(CopyFile(str(source), f"{tmp_path}/copy"))
    copy = tmp_path / "copy"
    assert copy.read_text() == source.read_text() and stat.S_IMODE(copy.stat().st_mode) == 0o750
    assert not os.path.samestat(copy.stat(), source.stat())
    (tmp_path / "link").symlink_to(tmp_path / "victim")
    with pytest.raises(CommandFailed):
        Executor().do(CopyFile(str(source), f"{tmp_path}/link"))
    assert not (tmp_path / "victim").exists()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "dir").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CommandFailed):
        Executor().do(CopyFile(str(source), f"{tmp_path}/dir/copy"))
    assert os.listdir(tmp_path / "elsewhere") == []
