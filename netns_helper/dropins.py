# SPDX-License-Identifier: GPL-3.0-or-later
"""`enable`, `join` and `disable`: the drop-ins that run a service inside a namespace.

What the commands write, and all that `disable` removes:

- `enable SERVICE`: `/etc/systemd/system/SERVICE.service.d/netns.conf`, a symlink to the
  shared drop-in `NETNS_CONF` (namespace SERVICE, built by systemd-netns@SERVICE.service).
- `join SERVICE2 SERVICE1`: `SERVICE2.service.d/netns.conf`, a file (`join_dropin`) that
  binds SERVICE2 to namespace SERVICE1; with `--restart-with`, also
  `SERVICE1.service.d/netns-restart-SERVICE2.conf` (`restart_dropin`): one file per joined
  service, so that several services can join one namespace and leave it independently.

A file is recognised as ours by what it is (the symlink's target, the exact text we write),
never by its name alone: anything else at those paths is the admin's and is left alone.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from .commands import Action, MakeDirs, OnError, Plan, RemoveFile, Run, Step, Symlink, WriteFile
from .errors import ConfigError
from .facts import Paths
from .names import check_netns_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .args import Args
    from .runtime import Context

# The symlink's target: the packaged file, wherever tests put /etc.
NETNS_CONF = "/usr/share/systemd-netns-helper/netns.conf"
DROPIN = "netns.conf"
SYSTEMCTL = "systemctl"

# systemd's unit name characters (unit_name_is_valid); '@' separates template and instance.
_UNIT_CHARS_RE = re.compile(r"[A-Za-z0-9:_.\\-]+")
_INSTANCE_CHARS_RE = re.compile(r"[A-Za-z0-9:_.\\@-]*")  # empty: a template's drop-in, for every instance
_UNIT_NAME_MAX = 255
_OTHER_UNIT_TYPES = (".socket", ".target", ".timer", ".mount", ".path", ".slice", ".scope", ".device", ".swap")
_NETNS_PATH_RE = re.compile(r"^\s*NetworkNamespacePath\s*=\s*/run/netns/(\S+)\s*$", re.MULTILINE)
_MAX_DROPIN_BYTES = 64 * 1024


def join_dropin(netns: str) -> str:
    """The drop-in of a service that runs in NETNS, the namespace of service NETNS (README)."""
    unit = f"systemd-netns@{netns}.service"
    return f"[Unit]\nBindsTo={unit}\nAfter={unit}\n\n[Service]\nNetworkNamespacePath=/run/netns/{netns}\n"


def restart_dropin(service: str) -> str:
    """The drop-in of the first service that restarts SERVICE, which joined its namespace, after it."""
    return f"[Service]\nExecStartPost=+/bin/systemctl restart {service}\n"


def restart_file(paths: Paths, first: str, joined: str) -> str:
    return f"{dropin_dir(paths, first)}/netns-restart-{joined}.conf"


def dropin_dir(paths: Paths, service: str) -> str:
    return f"{paths.systemd_dir}/{service}.service.d"


def service_name(word: str) -> str:
    """SERVICE from SERVICE or SERVICE.service, if systemd accepts SERVICE.service as a unit name."""
    name = word.removesuffix(".service")
    template, _, instance = name.partition("@")
    valid = (
        name not in ("", ".", "..")
        and _UNIT_CHARS_RE.fullmatch(template) is not None
        and _INSTANCE_CHARS_RE.fullmatch(instance) is not None
        and len(f"{name}.service") <= _UNIT_NAME_MAX
    )
    if not valid:
        raise ConfigError(
            f"invalid service name {word!r}",
            hint="a systemd unit name: letters, digits and ':', '_', '.', '-', '\\', with one '@' for an instance",
        )
    if name.endswith(_OTHER_UNIT_TYPES):
        raise ConfigError(f"{word!r} is not a service: only services run in a namespace")
    return name


def namespace_service(word: str) -> str:
    """A service whose name is also its namespace's name (`enable`, the first service of `join`)."""
    name = service_name(word)
    if "@" in name:
        raise ConfigError(
            f"{name}.service is a template instance: its name cannot name a namespace",
            hint=f"run it in another service's namespace: netns-helper join {name} SERVICE1",
        )
    return check_netns_name(name)


@dataclass(frozen=True)
class Found:
    """What is at a service's drop-in path now."""

    path: str
    netns: str | None  # the namespace it binds the service to, when it is ours
    symlink: bool  # ours from `enable` (else ours from `join`, or not ours when netns is None)
    text: str = ""


def inspect(path: str) -> Found | None:
    """None when nothing is at PATH."""
    if os.path.islink(path):
        if os.readlink(path) == NETNS_CONF:
            service = os.path.basename(os.path.dirname(path)).removesuffix(".service.d")
            return Found(path, service, symlink=True)
        return Found(path, None, symlink=True)
    if not os.path.lexists(path):
        return None
    text = _read(path)
    match = _NETNS_PATH_RE.search(text)
    netns = match[1] if match and text == join_dropin(match[1]) else None
    return Found(path, netns, symlink=False, text=text)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(_MAX_DROPIN_BYTES).decode(errors="replace")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None


def _not_ours(found: Found) -> ConfigError:
    what = f"a symlink to {os.readlink(found.path)}" if found.symlink else "a file netns-helper did not write"
    return ConfigError(
        f"{found.path} is {what}",
        hint="netns-helper replaces or removes only its own drop-ins: move this one away first",
    )


def bindings(paths: Paths) -> dict[str, tuple[tuple[str, str], ...]]:
    """Namespace -> (service, drop-in path) of every service a drop-in runs in it.

    Any drop-in counts, hand-written ones too: what matters is NetworkNamespacePath=.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    try:
        dirs = sorted(e for e in os.listdir(paths.systemd_dir) if e.endswith(".service.d"))
    except FileNotFoundError:
        return {}
    for directory in dirs:
        service = directory.removesuffix(".service.d")
        base = f"{paths.systemd_dir}/{directory}"
        try:
            names = sorted(n for n in os.listdir(base) if n.endswith(".conf"))
        except (NotADirectoryError, FileNotFoundError):
            continue
        for name in names:
            path = f"{base}/{name}"
            ours = inspect(path)
            if ours is not None and ours.netns is not None:
                netns: str | None = ours.netns
            elif os.path.isfile(path):
                match = _NETNS_PATH_RE.search(_read(path))
                # %N: a copy of the packaged drop-in rather than a link to it.
                netns = (service if match[1] == "%N" else match[1]) if match else None
            else:
                netns = None
            if netns is not None:
                found.setdefault(netns, []).append((service, path))
    return {netns: tuple(services) for netns, services in found.items()}


def _reload(paths: Paths) -> tuple[list[Step], list[str]]:
    if paths.systemd_booted:
        return [Step(Run((SYSTEMCTL, "daemon-reload")))], []
    return [], ["systemd is not running here: no daemon-reload; it reads the drop-ins when it starts"]


def _restore(found: Found) -> tuple[Action, ...]:
    """The undo of removing FOUND, one of ours."""
    if found.symlink:
        return (Symlink(NETNS_CONF, found.path),)
    return (WriteFile(found.path, found.text),)


def _remove(found: Found) -> Step:
    return Step(RemoveFile(found.path), undo=_restore(found))


def _leave_first(paths: Paths, found: Found, service: str) -> list[Step]:
    """Steps that undo SERVICE's join of FOUND's namespace: its restart drop-in there, if ours."""
    if found.symlink or found.netns is None:
        return []
    path = restart_file(paths, found.netns, service)
    if os.path.isfile(path) and _read(path) == restart_dropin(service):
        return [Step(RemoveFile(path), undo=(WriteFile(path, restart_dropin(service)),))]
    return []


def _ensure_dir(directory: str) -> list[Step]:
    """DIRECTORY made if missing; undone (a failed enable or join) by removing what was made, deepest first."""
    made = []
    missing = directory
    while missing != os.path.dirname(missing) and not os.path.isdir(missing):
        made.append(missing)
        missing = os.path.dirname(missing)
    if not made:
        return []
    return [Step(MakeDirs(directory), undo=tuple(Run(("rmdir", d)) for d in made))]


def plan_enable(paths: Paths, service: str, now: bool) -> Plan:
    config = paths.netns_interfaces(service)
    if not os.path.isfile(config):
        raise ConfigError(
            f"{config}: no such file: nothing to build namespace {service} from",
            hint=f"write {service}'s network configuration there first (interfaces(5) format)",
        )
    if now and not paths.systemd_booted:
        raise ConfigError("--now needs a running systemd: it restarts the service")
    path = f"{dropin_dir(paths, service)}/{DROPIN}"
    found = inspect(path)
    steps: list[Step] = []
    notes: list[str] = []
    if found is not None and found.symlink and found.netns == service:
        notes.append(f"{path} is in place already")
    elif found is not None and found.netns is None:
        raise _not_ours(found)
    else:
        if found is not None:
            notes.append(f"{service} leaves namespace {found.netns}, which it had joined, for its own")
            steps += [_remove(found), *_leave_first(paths, found, service)]
        steps += _ensure_dir(dropin_dir(paths, service))
        steps.append(Step(Symlink(NETNS_CONF, path), undo=(RemoveFile(path),)))
    reload, reload_notes = _reload(paths)
    steps += reload
    notes += reload_notes
    unit = f"{service}.service"
    if now:
        # The drop-in is in place whatever the restart does: its failure is reported, not undone.
        steps.append(Step(Run((SYSTEMCTL, "restart", unit)), on_error=OnError.REPORT))
    else:
        notes.append(f"to run {service} in namespace {service}: systemctl restart {unit}")
    return Plan(f"enable {service}", tuple(steps), tuple(notes))


def plan_join(paths: Paths, service2: str, service1: str, restart_with: bool) -> Plan:
    if service2 == service1:
        raise ConfigError(f"{service2} cannot join its own namespace", hint=f"netns-helper enable {service1}")
    config = paths.netns_interfaces(service1)
    if not os.path.isfile(config):
        raise ConfigError(
            f"{config}: no such file: there is no namespace {service1} to join",
            hint=f"configure {service1}'s namespace first, and enable it: netns-helper enable {service1}",
        )
    path = f"{dropin_dir(paths, service2)}/{DROPIN}"
    found = inspect(path)
    steps: list[Step] = []
    notes: list[str] = []
    if found is not None and not found.symlink and found.netns == service1:
        notes.append(f"{path} is in place already")
    elif found is not None and found.netns is None:
        raise _not_ours(found)
    else:
        if found is not None:
            notes.append(f"{service2} leaves namespace {found.netns} for namespace {service1}")
            steps += [_remove(found), *_leave_first(paths, found, service2)]
        steps += _ensure_dir(dropin_dir(paths, service2))
        steps.append(Step(WriteFile(path, join_dropin(service1)), undo=(RemoveFile(path),)))
    if restart_with:
        restart = restart_file(paths, service1, service2)
        if not os.path.lexists(restart):
            steps += _ensure_dir(dropin_dir(paths, service1))
            steps.append(Step(WriteFile(restart, restart_dropin(service2)), undo=(RemoveFile(restart),)))
        elif os.path.islink(restart) or _read(restart) != restart_dropin(service2):
            raise _not_ours(Found(restart, None, os.path.islink(restart)))
        else:
            notes.append(f"{restart} is in place already")
    reload, reload_notes = _reload(paths)
    notes += reload_notes
    notes.append(f"to run {service2} in namespace {service1}: systemctl restart {service2}.service")
    return Plan(f"join {service2} {service1}", (*steps, *reload), tuple(notes))


def plan_disable(paths: Paths, service: str) -> Plan:
    directory = dropin_dir(paths, service)
    found = inspect(f"{directory}/{DROPIN}")
    if found is None:
        return Plan(f"disable {service}", (), (f"{service} has no drop-in of netns-helper: nothing to do",))
    if found.netns is None:
        raise _not_ours(found)
    steps = [_remove(found), *_leave_first(paths, found, service)]
    removed = {step.action.path for step in steps if isinstance(step.action, RemoveFile)}
    for emptied in dict.fromkeys(os.path.dirname(p) for p in removed):
        if {f"{emptied}/{entry}" for entry in os.listdir(emptied)} <= removed:
            steps.append(Step(Run(("rmdir", emptied)), undo=(MakeDirs(emptied),)))
    reload, notes = _reload(paths)
    if found.symlink:
        # Its namespace's unit is PartOf= the service: a restart would rebuild the namespace as well.
        notes.append(
            f"to run {service} outside namespace {service} again: "
            f"systemctl stop {service}.service && systemctl start {service}.service"
        )
        joined = sorted(s for s, _ in bindings(paths).get(service, ()) if s != service)
        if joined:
            notes.append(f"still in namespace {service}, which they joined: {', '.join(joined)}")
    else:
        notes.append(f"to run {service} outside namespace {found.netns} again: systemctl restart {service}.service")
    return Plan(f"disable {service}", (*steps, *reload), tuple(notes))


def run(ctx: Context, opts: Args) -> int:
    from .runtime import run_plan

    if opts.command == "enable":
        plan = plan_enable(ctx.paths, namespace_service(opts.name), "--now" in opts.flags)
    elif opts.command == "join":
        second, first = service_name(opts.operands[0]), namespace_service(opts.operands[1])
        plan = plan_join(ctx.paths, second, first, "--restart-with" in opts.flags)
    else:
        plan = plan_disable(ctx.paths, service_name(opts.name))
    return run_plan(ctx, plan)
