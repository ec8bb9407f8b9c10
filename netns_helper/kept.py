# SPDX-License-Identifier: GPL-3.0-or-later
"""Namespaces that outlived their deletion: kept alive by a bind mount elsewhere or by a process.

`ip netns delete NAME` only unmounts /run/netns/NAME: the kernel keeps the namespace while a
mount of it (another tool's `mount --bind`) or a process in it (one that stop's `ip netns pids`
did not see: a process of another PID namespace) holds it, with whatever links are left in it.
Nothing names it any more. So whatever deletes a namespace notes what it deleted, in
/run/netns-helper/stopped/NAME.json: the namespace's identity on nsfs, the boot time, and the
mounts of it left. `status` then looks for that identity among the mounts and processes, and
reports a namespace that is still there as a leftover. The kernel reuses a freed namespace's
inode number, so a process only proves it is that namespace if it started before the deletion,
and a mount only if the note names its mount point.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence

from .commands import MakeDirs, ReplaceFile, Run
from .facts import Identity, Paths, identity
from .values import value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .commands import Action, Plan


@value
class Note:
    """What a deletion of namespace NETNS left: its identity, when (seconds since boot), its mounts elsewhere."""

    netns: str
    identity: Identity
    deleted: float
    mounts: tuple[str, ...] = ()


@value
class Holder:
    """What keeps a deleted namespace: a mount at MOUNT, or process PID (COMMAND)."""

    inode: int
    mount: str | None = None
    pid: int | None = None
    command: str | None = None

    def problem(self, netns: str) -> str:
        what = f"leftover: namespace {netns} outlived its deletion (net:[{self.inode}])"
        if self.mount is not None:
            return f"{what}, kept by a mount at {self.mount}: umount {self.mount}"
        return f"{what}, kept by process {self.pid} ({self.command}) in it: kill {self.pid}"


def directory(paths: Paths) -> str:
    return f"{paths.run}/netns-helper/stopped"


DELETE = ("netns", "delete")  # iproute.netns_delete's words


def deleted_by(plan: Plan) -> list[str]:
    """The namespaces PLAN deletes (its `ip netns delete` steps)."""
    return [str(s.action.argv[3]) for s in plan.steps if isinstance(s.action, Run) and s.action.argv[1:3] == DELETE]


def notes_for(paths: Paths, before: Mapping[str, Identity]) -> list[Action]:
    """The actions that note each namespace of BEFORE (name: its identity before the plan) deleted since."""
    gone = {name: ident for name, ident in before.items() if identity(paths, name) != ident}
    if not gone:
        return []
    mounts = mounts_of(paths, gone.values())
    now = time.clock_gettime(time.CLOCK_BOOTTIME)
    actions: list[Action] = [MakeDirs(directory(paths))]
    for name, ident in gone.items():
        text = json.dumps({"netns": name, "dev": ident[0], "ino": ident[1], "deleted": now, "mounts": mounts[ident]})
        actions.append(ReplaceFile(f"{directory(paths)}/{name}.json", text + "\n"))
    return actions


def read_notes(paths: Paths) -> list[Note]:
    """The notes of deleted namespaces; a broken one (a crash while writing it) is skipped."""
    try:
        names = sorted(n for n in os.listdir(directory(paths)) if n.endswith(".json"))
    except OSError:
        return []
    notes = []
    for name in names:
        try:
            with open(f"{directory(paths)}/{name}") as f:
                data = json.load(f)
            notes.append(
                Note(
                    str(data["netns"]),
                    (int(data["dev"]), int(data["ino"])),
                    float(data["deleted"]),
                    tuple(str(m) for m in data["mounts"]),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return notes


def _unescape(field: str) -> str:
    """A path of mountinfo, where the kernel writes space, tab, newline and backslash as octal escapes."""
    for escaped, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escaped, char)
    return field


def mounts_of(paths: Paths, wanted: Iterable[Identity]) -> dict[Identity, list[str]]:
    """The mount points of each namespace of WANTED in this mount namespace (/proc/self/mountinfo)."""
    found: dict[Identity, list[str]] = {ident: [] for ident in wanted}
    try:
        with open(f"{paths.proc}/self/mountinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split(" ")
        try:
            fstype = fields[fields.index("-") + 1]
            major, minor = fields[2].split(":")
            root = fields[3]
        except (ValueError, IndexError):
            continue
        if fstype != "nsfs" or not root.startswith("net:[") or not root.endswith("]"):
            continue
        ident = (os.makedev(int(major), int(minor)), int(root[5:-1]))
        if ident in found:
            found[ident].append(_unescape(fields[4]))
    return found


def _process(paths: Paths, pid: int) -> tuple[str, float] | None:
    """PID's command name and start time (seconds since boot), from /proc/PID/stat."""
    try:
        with open(f"{paths.proc}/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    command, _, rest = text.partition(" (")[2].rpartition(") ")
    try:
        return command, int(rest.split()[19]) / os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError):
        return None


def holders(
    paths: Paths, notes: Sequence[Note], pids: Mapping[Identity, tuple[int, ...]], running: Iterable[Identity] = ()
) -> dict[str, list[Holder]]:
    """What keeps each noted namespace now, by name: PIDS are the processes of each identity (`facts.pids_in`).

    A namespace is the noted one if a mount the note names, or a process started before the
    deletion, holds it; then every mount and process of it is listed. One bound under
    /run/netns again (RUNNING) is not a leftover of a deletion.
    """
    if not notes:
        return {}
    live = set(running)
    mounts = mounts_of(paths, (n.identity for n in notes))
    found: dict[str, list[Holder]] = {}
    for note in notes:
        if note.identity in live:
            continue
        inode = note.identity[1]
        points = mounts.get(note.identity, [])
        procs = [(pid, _process(paths, pid)) for pid in pids.get(note.identity, ())]
        older = any(info is not None and info[1] <= note.deleted for _, info in procs)
        if not older and not set(points) & set(note.mounts):
            continue
        kept = [Holder(inode, mount=point) for point in points]
        kept += [Holder(inode, pid=pid, command=info[0] if info else "?") for pid, info in procs]
        found.setdefault(note.netns, []).extend(kept)
    return found
