# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection at every step of real start plans, against a model of the kernel, ifupdown and files.

The model interprets what the plan's actions ask for (namespaces, links, veth pairs, VLANs, XFRM
interfaces, routes and rules, forwarding, ifupdown state, processes, files) and starts no
process. The executor is the real one: only the layer below it, that would start processes and
touch files, is the model, so the executor's own undo is what these tests prove. For each plan
and each step K, step K fails, and after the rollback:

(a) the model is as before the start (save what start keeps by design: hook directories and the
    hooks mirrored into them);
(b) the undo actions ran in reverse order of what they undo: golden/rollback-PLAN.txt lists them
    for every K (UPDATE_GOLDEN=1 rewrites it after review);
(c) exactly one failure is reported, naming step K's command.
"""

from __future__ import annotations

import copy
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from netns_helper.commands import (
    Action,
    CopyFile,
    EndProcesses,
    MakeDirs,
    Plan,
    RemoveFile,
    RemoveTree,
    ReplaceFile,
    Run,
    Step,
    Symlink,
    WriteFile,
)
from netns_helper.executor import CommandFailed, Executor, Outcome, Processes
from netns_helper.facts import MIRRORS, Facts, Paths
from netns_helper.interfaces import Interfaces, parse_text
from netns_helper.ipjson import Link
from netns_helper.planner import plan_start, plan_stop
from netns_helper.uplink import block_p2p_uplink
from netns_helper.values import replace as replace_value
from netns_helper.xfrm import parse_xfrm_text
from netns_helper.xfrm_planner import Dest, plan_start_service, plan_stop_service
from tests.unit.golden import SPEC_XFRM
from tests.unit.test_planner import BRIDGED, CONFIGS, FACTS, HOST_FILE, SERVICE1
from tests.unit.test_wireguard import VPN2, WG_HOST, WG_UPLINK
from tests.unit.test_xfrm_planner import HOST as TUNNEL_HOST
from tests.unit.test_xfrm_planner import STRONGSWAN, TUNNEL, TUNNEL2

GOLDEN = Path(__file__).parent / "golden"
PATHS = Paths()
ROOT = "(root)"  # the namespace the tool runs in
INIT = "(init)"  # PID 1's: where the kernel sends the physical NICs of a namespace that goes
SELF = str(os.getpid())  # what the executor passes for SELF_NETNS
INJECTED = "injected failure"


# --- the model ------------------------------------------------------------------------------------


class Refused(Exception):
    """The model fails a command as the real program would: exit code and error output."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Dev:
    kind: str | None = None  # None: a physical NIC; else loopback, bridge, veth, vlan, xfrm
    up: bool = False
    pair: int | None = None  # veth: both ends have the same
    parent: str | None = None  # vlan: the lower device; xfrm: the underlay
    vid: int | None = None
    if_id: int | None = None
    master: str | None = None
    conf: str | None = None  # wireguard: the file `wg setconf` applied


@dataclass(frozen=True)
class Route:
    netns: str
    version: int
    prefix: str
    dev: str
    table: str


@dataclass
class State:
    namespaces: set[str] = field(default_factory=set)  # besides ROOT and INIT, which always exist
    devs: dict[tuple[str, str], Dev] = field(default_factory=dict)  # (namespace, name)
    files: dict[str, str | None] = field(default_factory=dict)  # path: content, None for a directory
    procs: dict[int, str] = field(default_factory=dict)  # pid: namespace
    host_ifupdown: set[str] = field(default_factory=set)  # interfaces the host's ifupdown has up
    routes: set[Route] = field(default_factory=set)
    rules: Counter[tuple[str, int, str]] = field(default_factory=Counter)  # (namespace, version, rule)
    forwarding: set[tuple[str, str]] = field(default_factory=set)  # (namespace, /proc/sys file set to 1)


class ModelProcesses(Processes):
    """Processes of the model: each obeys SIGTERM; time is a counter."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.now = 0.0

    def signal(self, pid: int, sig: int) -> None:
        self.state.procs.pop(pid, None)

    def in_netns(self, pid: int, netns: str) -> bool:
        return self.state.procs.get(pid) == netns

    def pids(self, netns: str) -> list[int] | None:
        if netns not in self.state.namespaces:
            return None  # as `ip netns pids` fails
        return sorted(pid for pid, where in self.state.procs.items() if where == netns)

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


class Kernel:
    """The system the plans change, as data."""

    def __init__(
        self, host: Mapping[str, Link], files: Mapping[str, str | None], namespaces: Sequence[str] = ()
    ) -> None:
        self.state = State()
        for name, link in host.items():
            self.state.devs[ROOT, name] = Dev("loopback" if name == "lo" else link.kind)
        for path, content in files.items():
            self._make_dirs(os.path.dirname(path))
            self.state.files[path] = content
        self.processes = ModelProcesses(self.state)
        self.next_pid = 1000
        self.next_pair = 1
        for netns in namespaces:  # running already, each with a daemon of its own
            self._netns_add(netns)
            self.state.procs[self.next_pid] = netns
            self.next_pid += 1

    def snapshot(self) -> State:
        return copy.deepcopy(self.state)

    # --- commands ----------------------------------------------------------------------------------
    def run(self, argv: Sequence[str], stdin: str | None) -> str:
        match argv:
            case ["ip", "netns", "add", netns]:
                self._netns_add(netns)
            case ["ip", "netns", "delete", netns]:
                self._netns_delete(self._ns(netns))
            case ["ip", "netns", "exec", netns, "tee", *paths]:
                assert stdin == "1\n" and all(p.startswith("/proc/sys/net/") for p in paths), argv
                self.state.forwarding |= {(self._ns(netns), path) for path in paths}
            case ["ip", "netns", "exec", netns, ("ifup" | "ifdown") as verb, *args]:
                self._ifupdown(self._ns(netns), verb, args)
            case ["ip", "netns", "exec", netns, "wg", "setconf", name, path]:
                self._wg_setconf(self._ns(netns), name, path)
            case ["wg", "setconf", name, path]:
                self._wg_setconf(ROOT, name, path)
            case ["ip", "-n", netns, "link", *args]:
                self._link(self._ns(netns), args)
            case ["ip", "link", *args]:
                self._link(ROOT, args)
            case ["ip", *options, "-batch", "-"]:
                self._batch(options, stdin or "")
            case ["ifup", dev]:
                self._dev(ROOT, dev).up = True
                self.state.host_ifupdown.add(dev)
            case ["ifdown", "--force", dev]:
                self.state.host_ifupdown.discard(dev)
                if (ROOT, dev) in self.state.devs:
                    self.state.devs[ROOT, dev].up = False
            case _:
                raise AssertionError(f"the model does not know this command: {argv}")
        return ""

    def _ns(self, netns: str) -> str:
        if netns not in self.state.namespaces:
            raise Refused(f'Cannot open network namespace "{netns}": No such file or directory', 1)
        return netns

    def _dev(self, netns: str, name: str) -> Dev:
        try:
            return self.state.devs[netns, name]
        except KeyError:
            raise Refused(f'Cannot find device "{name}"', 1) from None

    def _netns_add(self, netns: str) -> None:
        if netns in self.state.namespaces:
            raise Refused(f'Cannot create namespace file "/run/netns/{netns}": File exists', 1)
        self.state.namespaces.add(netns)
        self.state.devs[netns, "lo"] = Dev("loopback")

    def _netns_delete(self, netns: str) -> None:
        self.state.namespaces.remove(netns)
        if netns in self.state.procs.values():
            return  # its processes keep it alive, with its links: leaked
        for (where, name), dev in list(self.state.devs.items()):
            if where != netns or (where, name) not in self.state.devs:
                continue
            if dev.kind is None:
                self._move(where, name, INIT)
            else:
                self._delete(where, name)
        self.state.routes = {r for r in self.state.routes if r.netns != netns}
        self.state.rules = Counter({rule: n for rule, n in self.state.rules.items() if rule[0] != netns})
        self.state.forwarding = {f for f in self.state.forwarding if f[0] != netns}

    def _link(self, netns: str, args: Sequence[str]) -> None:
        match args:
            case ["set", "dev", name, "up"]:
                self._dev(netns, name).up = True
            case ["set", "dev", name, "netns", dest]:
                self._move(netns, name, ROOT if dest == SELF else self._ns(dest))
            case ["set", "dev", name, "netns", dest, "name", new]:
                self._move(netns, name, ROOT if dest == SELF else self._ns(dest), new)
            case ["add", "dev", name, "type", "wireguard"]:
                self._add(netns, name, Dev("wireguard"))
            case ["set", "dev", name, "master", bridge]:
                if self._dev(netns, bridge).kind != "bridge":
                    raise Refused("RTNETLINK answers: Operation not supported")
                self._dev(netns, name).master = bridge
            case ["show", "dev", name]:
                self._dev(netns, name)
            case ["delete", "dev", name]:
                if self._dev(netns, name).kind in (None, "loopback"):
                    raise Refused("RTNETLINK answers: Operation not supported")
                self._delete(netns, name)
            case ["add", "name", host_end, "type", "veth", "peer", "name", ns_end, "netns", dest]:
                self._add(netns, host_end, Dev("veth", pair=self.next_pair), (self._ns(dest), ns_end))
                self._add(dest, ns_end, Dev("veth", pair=self.next_pair))
                self.next_pair += 1
            case ["add", "link", parent, "name", name, "netns", dest, "type", "vlan", "id", vid]:
                self._dev(netns, parent)
                assert 1 <= int(vid) <= 4094, args
                self._add(self._ns(dest), name, Dev("vlan", parent=parent, vid=int(vid)))
            case ["add", "name", name, *rest] if "xfrm" in rest:
                self._xfrm_add(netns, name, rest)
            case _:
                raise AssertionError(f"the model does not know `ip link {' '.join(args)}`")

    def _xfrm_add(self, netns: str, name: str, rest: Sequence[str]) -> None:
        """`... name NAME [mtu MTU] type xfrm [dev UNDERLAY] if_id ID`"""
        at = rest.index("type")
        mtu, options = rest[:at], rest[at + 2 :]
        assert rest[at + 1] == "xfrm" and _optional(mtu, "mtu"), rest
        underlay = options[1] if options[:1] == ["dev"] else None
        assert options[-2:-1] == ["if_id"] and len(options) == (4 if underlay else 2), rest
        if underlay is not None:
            self._dev(netns, underlay)
        self._add(netns, name, Dev("xfrm", parent=underlay, if_id=int(options[-1])))

    def _add(self, netns: str, name: str, dev: Dev, also: tuple[str, str] | None = None) -> None:
        for where, what in filter(None, (also, (netns, name))):
            if (where, what) in self.state.devs:
                raise Refused("RTNETLINK answers: File exists")
        self.state.devs[netns, name] = dev

    def _move(self, netns: str, name: str, dest: str, new: str | None = None) -> None:
        """Into DEST, renamed NEW if given (one netlink request: both happen or neither)."""
        dev = self._dev(netns, name)
        if dev.kind == "loopback":
            raise Refused("RTNETLINK answers: Invalid argument")
        if (dest, new or name) in self.state.devs:
            raise Refused("RTNETLINK answers: File exists")
        del self.state.devs[netns, name]
        self.state.devs[dest, new or name] = replace(dev, up=False, master=None)
        self._drop_routes(netns, name)

    def _wg_setconf(self, netns: str, name: str, path: str) -> None:
        if self._dev(netns, name).kind != "wireguard":
            raise Refused("Unable to modify interface: Operation not supported", 1)
        if not self.state.files.get(path):
            raise Refused("fopen: No such file or directory", 1)
        self.state.devs[netns, name].conf = path

    def _delete(self, netns: str, name: str) -> None:
        dev = self.state.devs.pop((netns, name))
        self._drop_routes(netns, name)
        if dev.pair is not None:  # a veth takes its peer with it
            (peer,) = [key for key, other in self.state.devs.items() if other.pair == dev.pair]
            self.state.devs.pop(peer)
            self._drop_routes(*peer)

    def _drop_routes(self, netns: str, name: str) -> None:
        self.state.routes = {r for r in self.state.routes if (r.netns, r.dev) != (netns, name)}

    def _ifupdown(self, netns: str, verb: str, args: Sequence[str]) -> None:
        *words, state_arg = args
        state_dir = state_arg.removeprefix("--state-dir=")
        assert state_arg.startswith("--state-dir="), args
        if self.state.files.get(state_dir, "") is not None:
            raise Refused(f"{verb}: cannot open state directory {state_dir}", 1)
        every = [name for where, name in self.state.devs if where == netns]
        match verb, words:
            case "ifup", ["-a"]:
                names = every
                self.state.procs[self.next_pid] = netns  # a daemon an up hook started
                self.next_pid += 1
            case "ifup", [allow, *names] if allow.startswith("--allow="):
                pass  # just NAMES
            case "ifdown", ["-a", *force] if force in ([], ["--force"]):
                names = every
            case _:
                raise AssertionError(f"the model does not know `{verb} {' '.join(args)}`")
        for name in names:
            self._dev(netns, name).up = verb == "ifup"
            state_file = f"{state_dir}/ifstate.{name}"
            if verb == "ifup":
                self.state.files[state_file] = "up"
            else:
                self.state.files.pop(state_file, None)

    def _batch(self, options: Sequence[str], stdin: str) -> None:
        force = options[:1] == ["-force"]
        rest = list(options[1:] if force else options)
        if len(rest) != 3 or rest[0] != "-n" or rest[2] not in ("-4", "-6"):
            raise AssertionError(f"the model does not know `ip {' '.join(options)} -batch -`")
        _, netns, family = rest
        self._ns(netns)
        errors = []
        for number, line in enumerate(stdin.splitlines(), start=1):
            try:
                self._batch_line(netns, int(family[1]), line)
            except Refused as e:
                errors.append(f"{e}\nCommand failed -:{number}")
                if not force:
                    break
        if errors:
            raise Refused("\n".join(errors), 1)

    def _batch_line(self, netns: str, version: int, line: str) -> None:
        match line.split():
            case ["route", "add", prefix, "dev", name, *table] if _optional(table, "table"):
                if not self._dev(netns, name).up:
                    raise Refused("RTNETLINK answers: Network is down")
                assert (":" in prefix) == (version == 6), line
                route = Route(netns, version, prefix, name, table[-1] if table else "main")
                if route in self.state.routes:
                    raise Refused("RTNETLINK answers: File exists")
                self.state.routes.add(route)
            case ["rule", "add", *rule]:
                self.state.rules[netns, version, " ".join(rule)] += 1
            case ["rule", "del", *rule]:
                key = (netns, version, " ".join(rule))
                if not self.state.rules[key]:
                    raise Refused("RTNETLINK answers: No such file or directory")
                self.state.rules[key] -= 1
                if not self.state.rules[key]:
                    del self.state.rules[key]
            case _:
                raise AssertionError(f"the model does not know the batch line {line!r}")

    # --- files --------------------------------------------------------------------------------------
    def file(self, action: Action) -> None:
        files = self.state.files
        if isinstance(action, MakeDirs):
            self._make_dirs(action.path)
        elif isinstance(action, RemoveTree):
            for path in [p for p in files if p == action.path or p.startswith(action.path + "/")]:
                del files[path]
        elif isinstance(action, RemoveFile):
            if files.get(action.path, "") is None:
                raise IsADirectoryError(21, "Is a directory")
            files.pop(action.path, None)
        elif isinstance(action, ReplaceFile):  # written beside, then renamed over
            if files.get(os.path.dirname(action.path), "") is not None:
                raise FileNotFoundError(2, "No such file or directory")
            files[action.path] = action.content
        elif isinstance(action, WriteFile | Symlink | CopyFile):
            if files.get(os.path.dirname(action.path), "") is not None:
                raise FileNotFoundError(2, "No such file or directory")
            if action.path in files:
                raise FileExistsError(17, "File exists")
            if isinstance(action, CopyFile) and not files.get(action.source):
                raise FileNotFoundError(2, "No such file or directory")
            files[action.path] = (
                action.content
                if isinstance(action, WriteFile)
                else f"-> {action.target}"
                if isinstance(action, Symlink)
                else files[action.source]
            )
        else:
            raise AssertionError(f"the model does not know {action}")

    def _make_dirs(self, path: str) -> None:
        parts = path.strip("/").split("/")
        for n in range(1, len(parts) + 1):
            directory = "/" + "/".join(parts[:n])
            if self.state.files.setdefault(directory, None) is not None:
                raise FileExistsError(17, "File exists")

    # --- facts, as `ip -j -d link show` and the file system would give them ----------------------------
    def links(self, netns: str) -> dict[str, Link]:
        out = {}
        for (where, name), dev in self.state.devs.items():
            if where != netns:
                continue
            kind = None if dev.kind == "loopback" else dev.kind
            parent, elsewhere = dev.parent, dev.parent is not None and (netns, dev.parent) not in self.state.devs
            if dev.pair is not None:
                ((peer_ns, parent),) = [
                    k for k, d in self.state.devs.items() if d.pair == dev.pair and k != (where, name)
                ]
                elsewhere = peer_ns != netns
            out[name] = Link(name, kind, parent, elsewhere)
        return out

    def facts(self, netns: str) -> Facts:
        running = netns in self.state.namespaces
        return Facts(
            namespaces=frozenset(self.state.namespaces),
            host_links=self.links(ROOT),
            ns_links=self.links(netns) if running else {},
            resolv_conf_exists=f"{PATHS.netns_etc(netns)}/resolv.conf" in self.state.files,
            state_dir_exists=PATHS.state_dir(netns) in self.state.files,
        )


def _optional(words: Sequence[str], keyword: str) -> bool:
    """WORDS is nothing, or KEYWORD and its value."""
    return len(words) == 0 or (len(words) == 2 and words[0] == keyword)


class ModelExecutor(Executor):
    """The real executor over the model; step FAIL_AT fails (after doing its work if it may half-happen)."""

    def __init__(self, kernel: Kernel, fail_at: int | None = None) -> None:
        super().__init__(log=io.StringIO(), processes=kernel.processes, on_step=self._inject)
        self.kernel = kernel
        self.fail_at = fail_at
        self.steps_seen = 0
        self.failed = False
        self.undo_actions: list[str] = []  # every action tried after the failure: the undo

    def _inject(self, step: Step) -> None:
        k, self.steps_seen = self.steps_seen, self.steps_seen + 1
        if k == self.fail_at:
            if step.undo_if_failed:
                self.do(step.action)
            self.failed = True
            raise CommandFailed(step.action, INJECTED)

    def do(self, action: Action) -> None:
        if self.failed:
            self.undo_actions.append(action.sh())
        super().do(action)

    def _spawn(self, run: Run, echo: bool = True) -> str:
        try:
            return self.kernel.run(self._argv(run.argv), run.stdin)
        except Refused as e:
            raise CommandFailed(run, f"exit code {e.code}: {e}") from None

    def _do_file(self, action: Action) -> None:
        if isinstance(action, EndProcesses):
            super()._do_file(action)  # the executor's own SIGTERM, poll, SIGKILL, over the model's processes
        else:
            self.kernel.file(action)


# --- the plans -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    start: Plan
    host: Mapping[str, Link]  # the host's links before the start
    files: Mapping[str, str | None]  # files there before the start
    stop: Callable[[Kernel], Plan]  # the stop plan, from facts the model gives after a start
    namespaces: tuple[str, ...] = ()  # running before the start (not this scenario's)

    def kernel(self) -> Kernel:
        return Kernel(self.host, self.files, self.namespaces)


HOOK_FILES = {
    "/etc/network/if-pre-up.d/bridge": "-> /usr/lib/bridge-utils/ifupdown.sh",
    "/usr/lib/bridge-utils/ifupdown.sh": "#!/bin/sh\n",
    "/etc/network/if-pre-up.d/ifenslave": "#!/bin/sh\n",
    "/etc/network/if-up.d/mine": "#!/bin/sh\n",
}
# ifupdown's run directory exists on any Debian host; start creates /run/network/netns/NAME in it.
RUN_DIRS: dict[str, str | None] = {"/run/network/netns": None}


def _config(netns: str, text: str) -> Interfaces:
    return parse_text(text, PATHS.netns_interfaces(netns))


def _files(*configs: Interfaces, extra: Mapping[str, str | None] | None = None) -> dict[str, str | None]:
    return {**RUN_DIRS, **HOOK_FILES, **{c.path: "(configuration)" for c in configs}, **(extra or {})}


def _single(netns: str) -> Scenario:
    """One of test_planner's configurations, with its hooks and no resolv.conf yet."""
    config = _config(netns, CONFIGS[netns])
    return Scenario(
        plan_start(netns, config, FACTS, PATHS),
        FACTS.host_links,
        _files(config),
        lambda kernel: plan_stop(netns, config, kernel.facts(netns), PATHS),
    )


def _links() -> Scenario:
    config = _config("service1", SERVICE1)
    host = parse_text(HOST_FILE, f"{PATHS.host_network}/interfaces")
    resolv = {f"{PATHS.netns_etc('service1')}/resolv.conf": "(the admin's)"}
    return Scenario(
        plan_start("service1", config, Facts(host_links=BRIDGED, resolv_conf_exists=True), PATHS, host),
        BRIDGED,
        _files(config, host, extra=resolv),
        lambda kernel: plan_stop("service1", config, kernel.facts("service1"), PATHS, host),
    )


def _xfrm(text: str) -> Scenario:
    config = _config("strongswan", STRONGSWAN)
    dest_configs = {"tunnel": _config("tunnel", TUNNEL), "tunnel2": _config("tunnel2", TUNNEL2)}
    items = parse_xfrm_text(text, "strongswan", f"{PATHS.netns_etc('strongswan')}/network/xfrm")

    def dests(facts_of: Callable[[str], Facts]) -> tuple[Dest, ...]:
        out = []
        for name, dest_config in dest_configs.items():
            mine = tuple(i for i in items if i.dest_netns == name)
            out.append(Dest(name, dest_config, facts_of(name), mine, block_p2p_uplink(mine, dest_config)))
        return tuple(out)

    resolv = {f"{PATHS.netns_etc(n)}/resolv.conf": "(the admin's)" for n in ("strongswan", *dest_configs)}
    facts = Facts(host_links=TUNNEL_HOST, resolv_conf_exists=True)
    return Scenario(
        plan_start_service("strongswan", config, facts, PATHS, None, dests(lambda _: facts)),
        TUNNEL_HOST,
        _files(config, *dest_configs.values(), extra=resolv),
        lambda kernel: plan_stop_service(
            "strongswan", config, kernel.facts("strongswan"), PATHS, None, dests(kernel.facts)
        ),
    )


# The README's example: ipsec1 routes an IPv6 prefix too, so BlockP2P makes a batch per family.
README_XFRM = SPEC_XFRM.replace(
    "Prefixes=10.143.14.0/23, 10.143.18.0/27", "Prefixes=10.143.14.0/23, 10.143.18.0/27, 2001:db8:18::/48"
)


def _wireguard() -> Scenario:
    """wg0 born in the host, wg1 in the running namespace uplink; the host has a wg0 of its own."""
    config = _config("vpn", VPN2)
    facts = replace_value(
        FACTS, namespaces=frozenset({"uplink"}), host_links={**FACTS.host_links, "wg0": Link("wg0", "wireguard")}
    )
    confs = {item.path: "(keys)" for item in (WG_HOST, WG_UPLINK)}
    return Scenario(
        plan_start("vpn", config, facts, PATHS, None, (WG_HOST, WG_UPLINK)),
        facts.host_links,
        _files(config, extra=confs),
        lambda kernel: plan_stop("vpn", config, kernel.facts("vpn"), PATHS),
        ("uplink",),
    )


SCENARIOS: dict[str, Scenario] = {
    "nginx": _single("nginx"),
    "vlan": _single("vlan"),
    "bond": _single("bond"),
    "bridge": _single("bridge"),
    "links": _links(),
    "xfrm": _xfrm(SPEC_XFRM),
    "xfrm-ipv6": _xfrm(README_XFRM),
    "wireguard": _wireguard(),
}


def _step(name: str, argv: tuple[str, ...]) -> int:
    """The index of the step of plan NAME that runs ARGV."""
    (k,) = [k for k, s in enumerate(SCENARIOS[name].start.steps) if isinstance(s.action, Run) and s.action.argv == argv]
    return k


# Where some links are once a start has succeeded.
STARTED: dict[str, set[tuple[str, str]]] = {
    "nginx": {("nginx", "eth0")},
    "vlan": {("vlan", "eth1.124"), ("vlan", "eth2"), (ROOT, "eth1")},
    "bond": {("bond", "eth3"), ("bond", "eth4")},
    "bridge": {("bridge", "eth1"), ("bridge", "eth3"), ("bridge", "eth4")},
    "links": {
        ("service1", "link1"),
        ("service1", "link3"),
        ("service1", "br0..7"),
        (ROOT, "link0"),
        (ROOT, "service1-7"),
    },
    "xfrm": {("strongswan", "ens5"), ("tunnel", "ipsec0"), ("tunnel2", "ipsec1"), ("tunnel2", "eth2")},
    "xfrm-ipv6": {("strongswan", "ens5"), ("tunnel", "ipsec0"), ("tunnel2", "ipsec1"), ("tunnel2", "eth2")},
    "wireguard": {("vpn", "wg0"), ("vpn", "wg1"), (ROOT, "wg0")},
}

# Product bugs found here, kept as strict xfails until fixed (none open now).
BUGS: dict[tuple[str, int], str] = {}


def _params() -> list[object]:
    return [
        pytest.param(name, k, id=f"{name}-{k}", marks=[pytest.mark.xfail(strict=True, reason=BUGS[name, k])])
        if (name, k) in BUGS
        else pytest.param(name, k, id=f"{name}-{k}")
        for name, scenario in SCENARIOS.items()
        for k in range(len(scenario.start.steps))
    ]


def _kept_by_design(plan: Plan, keep_written: bool = False) -> set[str]:
    """Paths start creates and never removes: hook directories, mirrored hooks (and the resolv.conf it wrote)."""
    kept: set[str] = set()
    for step in plan.steps:
        a = step.action
        if (
            isinstance(a, Symlink | CopyFile)
            or (isinstance(a, MakeDirs) and a.path.startswith(PATHS.etc + "/"))
            or (keep_written and isinstance(a, WriteFile))
            or (isinstance(a, WriteFile) and a.path.endswith(f"/{MIRRORS}"))
        ):
            kept.add(a.path)
    return kept


def _without(state: State, paths: set[str]) -> State:
    return replace(state, files={p: c for p, c in state.files.items() if p not in paths})


def _fail_at(name: str, k: int) -> tuple[State, State, ModelExecutor, Outcome]:
    scenario = SCENARIOS[name]
    kernel = scenario.kernel()
    before = kernel.snapshot()
    executor = ModelExecutor(kernel, fail_at=k)
    outcome = executor.execute(scenario.start)
    return before, kernel.snapshot(), executor, outcome


# --- the tests -------------------------------------------------------------------------------------


def test_every_plan_is_big_enough_to_matter() -> None:
    sizes = {name: len(s.start.steps) for name, s in SCENARIOS.items()}
    assert all(size >= 12 for size in sizes.values()), sizes
    assert sum(sizes.values()) >= 100


@pytest.mark.parametrize(("name", "k"), _params())
def test_a_failure_at_step_k_leaves_the_system_as_before(name: str, k: int) -> None:
    plan = SCENARIOS[name].start
    before, after, executor, outcome = _fail_at(name, k)
    kept = _kept_by_design(plan)
    # (a) Nothing the start did is left, save what it keeps by design (and that was not there before).
    assert not kept & set(before.files)
    assert _without(after, kept) == before
    # (c) One failure, naming step k's command.
    assert outcome.failures == [f"{plan.steps[k].action.sh()}: {INJECTED}"]
    # (b) Every completed step's undo, last step first (and the failed step's, if it may have half-happened).
    done = [*plan.steps[:k], *([plan.steps[k]] if plan.steps[k].undo_if_failed else [])]
    assert executor.undo_actions == [action.sh() for step in reversed(done) for action in step.undo]
    assert outcome.undone == executor.undo_actions
    assert outcome.warnings == []


def _render(name: str) -> str:
    """Golden text: the plan's undo actions, numbered, then for each step K the undo sequence when K fails."""
    plan = SCENARIOS[name].start
    numbers: dict[str, int] = {}
    for step in plan.steps:
        for action in step.undo:
            numbers.setdefault(action.sh(), len(numbers) + 1)
    lines = [f"# {plan.title}: when step K fails, the undo actions that run, in order", "undo actions:"]
    lines += [f"  u{n} {sh}" for sh, n in numbers.items()]
    lines.append("steps:")
    for k, step in enumerate(plan.steps):
        executor = _fail_at(name, k)[2]
        sequence = " ".join(f"u{numbers[sh]}" for sh in executor.undo_actions) or "(nothing)"
        lines += [f"  {k:2} {step.sh()}", f"     -> {sequence}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_undo_sequences_match_the_golden(name: str) -> None:
    text = _render(name)
    path = GOLDEN / f"rollback-{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"undo sequences differ from {path}; UPDATE_GOLDEN=1 rewrites it after review"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_start_then_stop_leaves_the_system_as_before(name: str) -> None:
    scenario = SCENARIOS[name]
    kernel = scenario.kernel()
    before = kernel.snapshot()
    assert ModelExecutor(kernel).execute(scenario.start) == Outcome()
    started = kernel.snapshot()
    assert STARTED[name] <= set(started.devs), sorted(started.devs)
    assert set(started.procs.values()) == started.namespaces  # ifup -a ran in each, and left a daemon
    stop = scenario.stop(kernel)
    outcome = ModelExecutor(kernel).execute(stop)
    assert outcome.failures == [], outcome
    kept = _kept_by_design(scenario.start, keep_written=True)
    assert _without(kernel.snapshot(), kept) == before


# --- the model itself can fail these tests -------------------------------------------------------------


def _without_undo(plan: Plan, forgotten: Callable[[Action], bool]) -> Plan:
    """PLAN with the undo actions FORGOTTEN picks left out."""
    steps = tuple(replace_value(s, undo=tuple(a for a in s.undo if not forgotten(a))) for s in plan.steps)
    return replace_value(plan, steps=steps)


SABOTAGE: dict[str, tuple[Callable[[Action], bool], Callable[[State], bool]]] = {
    "eth0 not moved back: the kernel gives it to PID 1's namespace": (
        lambda a: isinstance(a, Run) and "eth0" in a.argv,
        lambda state: (INIT, "eth0") in state.devs,
    ),
    "state directory not removed": (
        lambda a: isinstance(a, RemoveTree),
        lambda state: PATHS.state_dir("nginx") in state.files,
    ),
    "written resolv.conf not removed": (
        lambda a: isinstance(a, RemoveFile),
        lambda state: f"{PATHS.netns_etc('nginx')}/resolv.conf" in state.files,
    ),
    "processes not ended: the namespace leaks": (
        lambda a: isinstance(a, EndProcesses),
        lambda state: "nginx" in state.procs.values() and (INIT, "eth0") not in state.devs,
    ),
}


@pytest.mark.parametrize("sabotage", sorted(SABOTAGE))
def test_the_model_catches_an_incomplete_rollback(sabotage: str) -> None:
    forgotten, symptom = SABOTAGE[sabotage]
    plan = _without_undo(SCENARIOS["nginx"].start, forgotten)
    assert plan != SCENARIOS["nginx"].start
    ifup = next(k for k, step in enumerate(plan.steps) if step.undo_if_failed)
    kernel = SCENARIOS["nginx"].kernel()
    before = kernel.snapshot()
    ModelExecutor(kernel, fail_at=ifup).execute(plan)
    after = kernel.snapshot()
    assert _without(after, _kept_by_design(plan)) != before
    assert symptom(after)


def test_the_model_refuses_what_the_kernel_refuses() -> None:
    kernel = Kernel({"lo": Link("lo"), "eth0": Link("eth0")}, {})
    executor = ModelExecutor(kernel)
    with pytest.raises(CommandFailed, match='exit code 1: Cannot open network namespace "x"'):
        executor.do(Run(("ip", "link", "set", "dev", "eth0", "netns", "x")))
    executor.do(Run(("ip", "netns", "add", "x")))
    with pytest.raises(CommandFailed, match="File exists"):
        executor.do(Run(("ip", "netns", "add", "x")))
    with pytest.raises(CommandFailed, match='exit code 1: Cannot find device "eth9"'):
        executor.do(Run(("ip", "link", "set", "dev", "eth9", "netns", "x")))
    executor.do(Run(("ip", "link", "add", "name", "v0", "type", "veth", "peer", "name", "v1", "netns", "x")))
    assert kernel.links("x")["v1"] == Link("v1", "veth", "v0", parent_elsewhere=True)
    with pytest.raises(CommandFailed, match="File exists"):
        executor.do(Run(("ip", "link", "add", "name", "v0", "type", "veth", "peer", "name", "v2", "netns", "x")))
    executor.do(Run(("ip", "link", "delete", "dev", "v0")))
    assert set(kernel.links("x")) == {"lo"}  # the peer went with it
    with pytest.raises(CommandFailed, match="Operation not supported"):
        executor.do(Run(("ip", "link", "delete", "dev", "eth0")))
    executor.do(Run(("ip", "link", "set", "dev", "eth0", "netns", "x")))
    executor.do(Run(("ip", "netns", "delete", "x")))
    assert set(kernel.links(INIT)) == {"eth0"}  # a deleted namespace's NIC goes to PID 1's, not back to us
    assert set(kernel.links(ROOT)) == {"lo"}
    executor.do(Run(("ip", "netns", "add", "y")))
    lines = "rule add iif a lookup 1\nrule del iif b lookup 1\nrule add iif c lookup 1\n"
    with pytest.raises(CommandFailed, match=re.escape("No such file or directory\nCommand failed -:2")):
        executor.do(Run(("ip", "-force", "-n", "y", "-4", "-batch", "-"), stdin=lines))
    # -force: the other lines ran anyway
    assert kernel.state.rules == Counter({("y", 4, "iif a lookup 1"): 1, ("y", 4, "iif c lookup 1"): 1})
    with pytest.raises(CommandFailed, match=re.escape("Command failed -:2")):
        executor.do(Run(("ip", "-n", "y", "-4", "-batch", "-"), stdin=lines))
    # without: it stops at the first failure
    assert kernel.state.rules == Counter({("y", 4, "iif a lookup 1"): 2, ("y", 4, "iif c lookup 1"): 1})


def test_the_model_knows_wireguard_as_the_kernel_does() -> None:
    kernel = Kernel({"lo": Link("lo"), "eth0": Link("eth0"), "wg0": Link("wg0", "wireguard")}, {"/k.conf": "(keys)"})
    executor = ModelExecutor(kernel)
    executor.do(Run(("ip", "netns", "add", "x")))
    executor.do(Run(("ip", "link", "add", "dev", "tmp0", "type", "wireguard")))
    with pytest.raises(CommandFailed, match="Operation not supported"):
        executor.do(Run(("wg", "setconf", "eth0", "/k.conf")))
    with pytest.raises(CommandFailed, match="No such file"):
        executor.do(Run(("wg", "setconf", "tmp0", "/missing.conf")))
    executor.do(Run(("wg", "setconf", "tmp0", "/k.conf")))
    with pytest.raises(CommandFailed, match="File exists"):  # the new name is taken there
        executor.do(Run(("ip", "link", "set", "dev", "tmp0", "netns", SELF, "name", "wg0")))
    executor.do(Run(("ip", "link", "set", "dev", "tmp0", "netns", "x", "name", "wg0")))
    assert kernel.links("x")["wg0"] == Link("wg0", "wireguard")
    assert kernel.state.devs["x", "wg0"].conf == "/k.conf"  # its configuration moves with it
    assert "tmp0" not in kernel.links(ROOT)
    executor.do(Run(("ip", "netns", "delete", "x")))
    assert set(kernel.links(INIT)) == set()  # deleted with its namespace, never given to PID 1's
