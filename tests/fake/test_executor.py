# SPDX-License-Identifier: GPL-3.0-or-later
"""Executor against faked processes: failures, undo, logging, ending processes."""

from __future__ import annotations

import io
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pytest_subprocess import FakeProcess

from netns_helper import executor
from netns_helper.commands import (
    IFUPDOWN_TIMEOUTS,
    PROCESS_TIMEOUT,
    SELF_NETNS,
    Action,
    CopyFile,
    EndProcesses,
    LinkIs,
    MakeDirs,
    OnError,
    Plan,
    RemoveFile,
    RemoveTree,
    ReplaceFile,
    Run,
    Step,
    Symlink,
    WriteFile,
)
from netns_helper.executor import CommandFailed, Executor, Processes
from netns_helper.facts import Facts, Paths
from netns_helper.interfaces import parse_text
from netns_helper.ipjson import Link
from netns_helper.planner import plan_start

NGINX = "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 192.0.2.2/24\n"
NGINX_FACTS = Facts(host_links={"lo": Link("lo"), "eth0": Link("eth0")}, resolv_conf_exists=True)


def _plan(*steps: Step) -> Plan:
    return Plan("test", steps)


def test_failure_names_command_exit_code_and_stderr(fp: FakeProcess) -> None:
    fp.register(["ip", "link", "set", "dev", "eth 0", "netns", "x"], returncode=2, stderr="Cannot find device\n")
    log = io.StringIO()
    outcome = Executor(log=log).execute(_plan(Step(Run(("ip", "link", "set", "dev", "eth 0", "netns", "x")))))
    assert outcome.failures == ["ip link set dev 'eth 0' netns x: exit code 2: Cannot find device"]
    assert log.getvalue() == "error: ip link set dev 'eth 0' netns x: exit code 2: Cannot find device\n"


def test_failed_step_undoes_completed_steps_in_reverse(fp: FakeProcess) -> None:
    for cmd in (["a"], ["b"], ["undo-b"], ["undo-a2"], ["undo-a1"]):
        fp.register(cmd)
    fp.register(["c"], returncode=1)
    plan = _plan(
        Step(Run(("a",)), undo=(Run(("undo-a1",)), Run(("undo-a2",)))),
        Step(Run(("b",)), undo=(Run(("undo-b",)),)),
        Step(Run(("c",)), undo=(Run(("never",)),)),
        Step(Run(("d",))),
    )
    outcome = Executor(log=io.StringIO()).execute(plan)
    assert [list(c) for c in fp.calls] == [["a"], ["b"], ["c"], ["undo-b"], ["undo-a1"], ["undo-a2"]]
    assert outcome.undone == ["undo-b", "undo-a1", "undo-a2"]
    assert not outcome.ok


def test_step_that_may_half_happen_is_undone_too(fp: FakeProcess) -> None:
    fp.register(["ifup"], returncode=1)
    fp.register(["ifdown"])
    plan = _plan(Step(Run(("ifup",)), undo=(Run(("ifdown",)),), undo_if_failed=True))
    assert Executor(log=io.StringIO()).execute(plan).undone == ["ifdown"]


def test_undo_failures_are_reported_and_undo_goes_on(fp: FakeProcess) -> None:
    fp.register(["a"])
    fp.register(["b"])
    fp.register(["c"], returncode=1)
    fp.register(["undo-b"], returncode=3, stderr="busy")
    fp.register(["undo-a"])
    plan = _plan(
        Step(Run(("a",)), undo=(Run(("undo-a",)),)), Step(Run(("b",)), undo=(Run(("undo-b",)),)), Step(Run(("c",)))
    )
    outcome = Executor(log=io.StringIO()).execute(plan)
    assert outcome.failures == ["c: exit code 1: (no output)", "while undoing: undo-b: exit code 3: busy"]
    assert outcome.undone == ["undo-a"]


def test_report_carries_on_and_ignore_only_warns(fp: FakeProcess) -> None:
    fp.register(["a"], returncode=1, stderr="no")
    fp.register(["b"], returncode=1, stderr="meh")
    fp.register(["c"])
    plan = _plan(Step(Run(("a",)), OnError.REPORT), Step(Run(("b",)), OnError.IGNORE), Step(Run(("c",))))
    log = io.StringIO()
    outcome = Executor(log=log).execute(plan)
    assert [list(c) for c in fp.calls] == [["a"], ["b"], ["c"]]
    assert outcome.failures == ["a: exit code 1: no"]
    assert outcome.warnings == ["b: exit code 1: meh"]
    assert "warning: b: exit code 1: meh (ignored)" in log.getvalue()


def test_verbose_logs_every_command_quoted(fp: FakeProcess) -> None:
    fp.register(["ip", "netns", "add", "web"], stdout="out\n")
    fp.register(["ip", "link", "show", "dev", "x"], stdout="hidden\n")
    log = io.StringIO()
    plan = _plan(Step(Run(("ip", "netns", "add", "web"))), Step(Run(("ip", "link", "show", "dev", "x"), quiet=True)))
    Executor(verbose=True, log=log).execute(plan)
    assert log.getvalue() == "+ ip netns add web\n  out\n+ ip link show dev x >/dev/null\n"


def test_self_netns_is_our_own_pid(fp: FakeProcess) -> None:
    fp.register(["ip", "-n", "web", "link", "set", "dev", "eth0", "netns", str(os.getpid())])
    Executor(log=io.StringIO()).execute(
        _plan(Step(Run(("ip", "-n", "web", "link", "set", "dev", "eth0", "netns", SELF_NETNS))))
    )
    assert len(fp.calls) == 1


def test_stdin_is_fed(fp: FakeProcess) -> None:
    seen: list[bytes] = []
    # A file, never a pipe: a background child that inherited a pipe would hold the executor.
    fp.register(["ip", "-batch", "-"], callback=lambda p: seen.append(p.kwargs["stdin"].read()))
    Executor(log=io.StringIO()).execute(_plan(Step(Run(("ip", "-batch", "-"), stdin="route add 10.0.0.0/8 dev x\n"))))
    assert seen == [b"route add 10.0.0.0/8 dev x\n"]


class FakeProcs(Processes):
    """Processes that die on chosen signals, with a fake clock; ANSWERS are what each walk of
    /proc finds in the namespace, in turn (None: it cannot be read)."""

    def __init__(self, dies_on: dict[int, set[int]], answers: list[list[int] | None]) -> None:
        self.dies_on = dies_on
        self.alive = set(dies_on)
        self.answers = answers
        self.sent: list[tuple[int, int]] = []
        self.now = 0.0

    def signal(self, pid: int, sig: int) -> None:
        self.sent.append((pid, sig))
        if sig in self.dies_on[pid]:
            self.alive.discard(pid)

    def in_netns(self, pid: int, netns: str) -> bool:
        assert netns == "web"
        return pid in self.alive

    def pids(self, netns: str) -> list[int] | None:
        assert netns == "web"
        return self.answers.pop(0)

    def sleep(self, seconds: float) -> None:
        assert 0 < seconds <= 0.05
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


TERM, KILL = signal.SIGTERM, signal.SIGKILL


def test_processes_that_exit_on_sigterm_get_no_sigkill(fp: FakeProcess) -> None:
    procs = FakeProcs({101: {TERM}, 102: {TERM}}, [[101, 102], []])
    outcome = Executor(log=io.StringIO(), processes=procs).execute(_plan(Step(EndProcesses("web"))))
    assert outcome.ok
    assert sorted(procs.sent) == [(101, TERM), (102, TERM)]
    assert procs.now < 0.01  # no waiting beyond the first poll
    assert procs.answers == [] and len(fp.calls) == 0  # no process: /proc is read


def test_process_ignoring_sigterm_gets_sigkill_after_timeout(fp: FakeProcess) -> None:
    procs = FakeProcs({101: {TERM}, 102: {KILL}}, [[101, 102], [102], []])
    outcome = Executor(log=io.StringIO(), processes=procs).execute(_plan(Step(EndProcesses("web", timeout=2))))
    assert outcome.ok
    assert sorted(procs.sent[:2]) == [(101, TERM), (102, TERM)]
    assert procs.sent[2:] == [(102, KILL)]
    assert 2 <= procs.now < 2.1


def test_process_forked_while_waiting_is_signalled_too(fp: FakeProcess) -> None:
    procs = FakeProcs({101: {TERM}, 103: {TERM}}, [[101], [103], []])
    assert Executor(log=io.StringIO(), processes=procs).execute(_plan(Step(EndProcesses("web")))).ok
    assert procs.sent == [(101, TERM), (103, TERM)]


def test_process_surviving_sigkill_is_a_failure(fp: FakeProcess) -> None:
    procs = FakeProcs({101: set()}, [[101], [101], [101]])
    outcome = Executor(log=io.StringIO(), processes=procs).execute(_plan(Step(EndProcesses("web", 1), OnError.REPORT)))
    assert outcome.failures == ["end_processes web 1: processes still in namespace after SIGKILL: 101"]


def test_no_process_means_one_walk_of_proc(fp: FakeProcess) -> None:
    procs = FakeProcs({}, [[]])
    assert Executor(log=io.StringIO(), processes=procs).execute(_plan(Step(EndProcesses("web")))).ok
    assert procs.sent == [] and procs.answers == []


def test_a_namespace_that_cannot_be_read_fails_end_processes(fp: FakeProcess) -> None:
    procs = FakeProcs({}, [None])
    outcome = Executor(log=io.StringIO(), processes=procs).execute(_plan(Step(EndProcesses("web"), OnError.REPORT)))
    assert outcome.failures == ["end_processes web 5: namespace web cannot be read"]


def test_processes_are_found_as_ip_netns_pids_finds_them(tmp_path: Path) -> None:
    """The real walk, on a throwaway /proc and /run: /proc/PID/ns/net is the namespace's file."""
    (tmp_path / "run/netns").mkdir(parents=True)
    (tmp_path / "run/netns/web").write_text("")
    (tmp_path / "run/netns/db").write_text("")
    for pid, netns in ((7, "web"), (12, "db"), (30, "web")):
        (tmp_path / f"proc/{pid}/ns").mkdir(parents=True)
        os.link(tmp_path / "run/netns" / netns, tmp_path / f"proc/{pid}/ns/net")
    (tmp_path / "proc/self").mkdir()  # not a PID
    procs = Processes(Paths(run=str(tmp_path / "run"), proc=str(tmp_path / "proc")))
    assert procs.pids("web") == [7, 30] and procs.pids("db") == [12] and procs.pids("gone") is None
    assert procs.in_netns(30, "web") and not procs.in_netns(12, "web") and not procs.in_netns(99, "web")


def test_query_failure_raises(fp: FakeProcess) -> None:
    fp.register(["ip", "-j", "-d", "link", "show"], returncode=255, stderr="RTNETLINK answers: Operation not permitted")
    with pytest.raises(CommandFailed, match="exit code 255: RTNETLINK"):
        Executor(log=io.StringIO()).query(["ip", "-j", "-d", "link", "show"])


# --- how a child ended, timeouts, interrupts --------------------------------------------------------


def _hangs(sent: list[int], then: Callable[[], None] | None = None) -> dict[str, Any]:
    """A fake child that runs until it is signalled (THEN, if given, runs first: an interrupt).

    Its exit status is then what a real child's would be: minus the signal."""
    signalled = threading.Event()

    def on_signal(process: Any, sig: int) -> None:
        sent.append(sig)
        process.returncode = -sig
        signalled.set()

    def run(process: Any) -> None:
        # The executor is single-threaded: signals are for the main thread, as they would be.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM, signal.SIGTERM, signal.SIGINT})
        if then:
            then()
        assert signalled.wait(10), "never signalled"

    return {"callback": run, "signal_callback": on_signal}


def _interrupt(sig: int) -> Callable[[], None]:
    return lambda: signal.pthread_kill(threading.main_thread().ident or 0, sig)


def test_a_child_killed_by_a_signal_is_reported_by_its_name(fp: FakeProcess) -> None:
    fp.register(["ifup"], returncode=-9, stderr="")
    outcome = Executor(log=io.StringIO()).execute(_plan(Step(Run(("ifup",)))))
    assert outcome.failures == ["ifup: killed by SIGKILL: (no output)"]


def test_a_child_that_outlives_its_timeout_is_killed(fp: FakeProcess) -> None:
    sent: list[int] = []
    fp.register(["ifup"], **_hangs(sent))
    fp.register(["ifdown"])
    plan = _plan(Step(Run(("ifup",), timeout=0.01), undo=(Run(("ifdown",)),), undo_if_failed=True))
    outcome = Executor(log=io.StringIO()).execute(plan)
    assert sent == [KILL]
    assert outcome.failures == ["ifup: timed out after 0.01 s, killed: (no output)"]
    assert outcome.undone == ["ifdown"]
    assert outcome.interrupted is None
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL


def test_every_process_gets_the_timeout_of_its_command() -> None:
    plan = plan_start("nginx", parse_text(NGINX, "/etc/netns/nginx/network/interfaces"), NGINX_FACTS, Paths())
    runs = [a for s in plan.steps for a in (s.action, *s.undo) if isinstance(a, Run)]
    by_verb = {verb: {r.timeout for r in runs if verb in r.argv} for verb in ("ifup", "ifdown")}
    assert by_verb == {verb: {timeout} for verb, timeout in IFUPDOWN_TIMEOUTS.items()}
    assert {r.timeout for r in runs if not {"ifup", "ifdown"} & set(r.argv)} == {PROCESS_TIMEOUT}


@pytest.mark.parametrize("sig", [TERM, signal.SIGINT])
def test_an_interrupt_ends_the_running_child_and_undoes_the_start(fp: FakeProcess, sig: int) -> None:
    sent: list[int] = []
    for cmd in (["a"], ["undo-a"], ["undo-b"]):
        fp.register(cmd)
    fp.register(["b"], **_hangs(sent, then=_interrupt(sig)))
    plan = _plan(
        Step(Run(("a",)), undo=(Run(("undo-a",)),)),
        Step(Run(("b",)), undo=(Run(("undo-b",)),), undo_if_failed=True),
        Step(Run(("c",))),
    )
    log = io.StringIO()
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}  # SIGINT: SIG_IGN in a background job
    outcome = Executor(log=log).execute(plan)
    name = signal.Signals(sig).name
    assert sent == [TERM]  # SIGTERM, whatever the interrupt was: the child may clean up
    assert [list(c) for c in fp.calls] == [["a"], ["b"], ["undo-b"], ["undo-a"]]
    assert outcome.failures == [f"b: interrupted by {name}: (no output)"]
    assert outcome.undone == ["undo-b", "undo-a"]
    assert outcome.interrupted == name and not outcome.ok
    assert outcome.verdict == f"interrupted by {name}"
    assert {s: signal.getsignal(s) for s in handlers} == handlers  # as they were


def test_a_child_ignoring_sigterm_gets_sigkill_after_a_grace(fp: FakeProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "KILL_GRACE", 0.01)
    sent: list[int] = []
    stubborn = _hangs(sent, then=_interrupt(TERM))
    on_signal = stubborn["signal_callback"]
    stubborn["signal_callback"] = lambda p, sig: on_signal(p, sig) if sig == KILL else sent.append(sig)
    fp.register(["ifup"], **stubborn)
    outcome = Executor(log=io.StringIO()).execute(_plan(Step(Run(("ifup",)))))
    assert sent == [TERM, KILL]
    assert outcome.failures == ["ifup: interrupted by SIGTERM: (no output)"]


@pytest.mark.parametrize("at", range(3))
def test_an_interrupt_between_steps_undoes_what_was_done(fp: FakeProcess, at: int) -> None:
    names = ["a", "b", "c"]
    for name in names:
        fp.register([name])
        fp.register([f"undo-{name}"])
    steps = [Step(Run((n,)), undo=(Run((f"undo-{n}",)),)) for n in names]
    seen: list[Step] = []

    def on_step(step: Step) -> None:
        seen.append(step)
        if len(seen) == at + 1:
            os.kill(os.getpid(), TERM)  # after step AT started: it completes, the next one does not run

    outcome = Executor(log=io.StringIO(), on_step=on_step).execute(_plan(*steps))
    ran = names[: at + 1]
    assert [next(iter(c)) for c in fp.calls] == [*ran, *[f"undo-{n}" for n in reversed(ran)]]
    assert outcome.interrupted == "SIGTERM" and outcome.failures == []


def test_a_teardown_carries_on_after_an_interrupt(fp: FakeProcess) -> None:
    sent: list[int] = []
    fp.register(["ifdown"], **_hangs(sent, then=_interrupt(TERM)))
    fp.register(["ip", "netns", "delete", "web"])
    plan = _plan(
        Step(Run(("ifdown",)), OnError.IGNORE),
        Step(Run(("ip", "netns", "delete", "web")), OnError.REPORT),
    )
    outcome = Executor(log=io.StringIO()).execute(plan)
    assert [next(iter(c)) for c in fp.calls] == ["ifdown", "ip"]
    assert outcome.warnings == ["ifdown: interrupted by SIGTERM: (no output)"]
    assert outcome.interrupted == "SIGTERM"


def test_a_hung_ifdown_in_a_stop_times_out_and_the_stop_carries_on(fp: FakeProcess) -> None:
    sent: list[int] = []
    fp.register(["ifdown", "-a"], **_hangs(sent))
    fp.register(["ip", "netns", "delete", "web"])
    plan = _plan(
        Step(Run(("ifdown", "-a"), timeout=0.01), OnError.IGNORE),
        Step(Run(("ip", "netns", "delete", "web")), OnError.REPORT),
    )
    outcome = Executor(log=io.StringIO()).execute(plan)
    assert sent == [KILL]
    assert [list(c) for c in fp.calls] == [["ifdown", "-a"], ["ip", "netns", "delete", "web"]]
    assert outcome.warnings == ["ifdown -a: timed out after 0.01 s, killed: (no output)"]
    assert outcome.ok


def test_an_interrupt_during_the_undo_does_not_stop_it(fp: FakeProcess) -> None:
    fp.register(["a"])
    fp.register(["b"], returncode=1)
    fp.register(["undo-a1"], callback=lambda p: os.kill(os.getpid(), TERM))
    fp.register(["undo-a2"])
    plan = _plan(Step(Run(("a",)), undo=(Run(("undo-a1",)), Run(("undo-a2",)))), Step(Run(("b",))))
    outcome = Executor(log=io.StringIO()).execute(plan)
    assert outcome.undone == ["undo-a1", "undo-a2"]
    assert outcome.failures == ["b: exit code 1: (no output)"]
    assert outcome.interrupted == "SIGTERM"


def test_an_action_the_executor_does_not_know_is_an_error() -> None:
    with pytest.raises(TypeError, match="the executor cannot do"):
        Executor(log=io.StringIO()).do(object())  # type: ignore[arg-type]


ETH0 = (
    "5: eth0@if4: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000"
    "\\    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff permaddr 52:54:00:00:00:05\n"
)
SHOW_ETH0 = ["ip", "-o", "link", "show", "dev", "eth0"]


@pytest.mark.parametrize(
    "check",
    [LinkIs("eth0", 5, ()), LinkIs("eth0", None, ("02:00:00:00:00:05",)), LinkIs("eth0", 9, ("52:54:00:00:00:05",))],
)
def test_link_is_passes_on_the_ifindex_or_a_mac(fp: FakeProcess, check: LinkIs) -> None:
    fp.register(SHOW_ETH0, stdout=ETH0)
    assert Executor(log=io.StringIO()).execute(_plan(Step(check))).ok


def test_link_is_fails_on_another_link_of_that_name_and_on_none(fp: FakeProcess) -> None:
    fp.register(SHOW_ETH0, stdout=ETH0)
    fp.register(SHOW_ETH0, returncode=1, stderr='Device "eth0" does not exist.\n')
    check = Step(LinkIs("eth0", 7, ("02:00:00:00:00:07",)))
    kept = "the namespace is kept, not deleted, so that the link is not lost"
    impostor = Executor(log=io.StringIO()).execute(_plan(check))
    assert impostor.failures == [
        f"{check.action.sh()}: the link named eth0 here is another one, not the one given back"
        f" (ifindex 7 or 02:00:00:00:00:07); {kept}"
    ]
    gone = Executor(log=io.StringIO()).execute(_plan(check))
    assert gone.failures == [
        f'{check.action.sh()}: eth0 did not come back (exit code 1: Device "eth0" does not exist.); {kept}'
    ]


def test_replace_file_replaces_atomically_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "record.json"
    path.write_text("old\n")
    Executor(log=io.StringIO()).do(ReplaceFile(str(path), '{"new": 1}\n'))
    assert path.read_text() == '{"new": 1}\n'
    assert os.listdir(tmp_path) == ["record.json"]
    os.symlink("/nonexistent", tmp_path / "record.json.tmp")  # never written through
    with pytest.raises(CommandFailed, match="Too many levels of symbolic links"):
        Executor(log=io.StringIO()).do(ReplaceFile(str(path), "x\n"))


# Each file action, on a path whose directory was swapped for a symlink to elsewhere (ELSEWHERE,
# where root must not write) since the plan was made: refused, and ELSEWHERE is as it was.
SWAPPED: dict[str, Callable[[str], Action]] = {
    "write": lambda d: WriteFile(f"{d}/resolv.conf", "nameserver 192.0.2.53\n"),
    "replace": lambda d: ReplaceFile(f"{d}/netns-helper.json", "{}\n"),
    "symlink": lambda d: Symlink("/usr/share/systemd-netns-helper/netns.conf", f"{d}/netns.conf"),
    "copy": lambda d: CopyFile(__file__, f"{d}/hook"),
    "mkdir": lambda d: MakeDirs(f"{d}/if-up.d"),
    "rm": lambda d: RemoveFile(f"{d}/victim"),
    "rm-tree": lambda d: RemoveTree(f"{d}/victim"),
}


@pytest.mark.parametrize("action", sorted(SWAPPED))
def test_a_symlink_swapped_in_for_a_directory_is_refused_not_followed(tmp_path: Path, action: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "victim").write_text("the host's\n")
    (tmp_path / "state").symlink_to(elsewhere)
    with pytest.raises(CommandFailed, match="state is a symbolic link, not followed"):
        Executor(log=io.StringIO()).do(SWAPPED[action](f"{tmp_path}/state"))
    assert os.listdir(elsewhere) == ["victim"]
    assert (elsewhere / "victim").read_text() == "the host's\n"


def test_make_dirs_follows_no_symlink_on_the_way(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run/network").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(CommandFailed, match="/run/network is a symbolic link, not followed"):
        Executor(log=io.StringIO()).do(MakeDirs(f"{tmp_path}/run/network/netns/web"))
    assert os.listdir(tmp_path / "elsewhere") == []


def test_make_dirs_makes_0755_whatever_the_umask_and_keeps_what_exists(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir(mode=0o700)
    old = os.umask(0o077)
    try:
        Executor(log=io.StringIO()).do(MakeDirs(f"{tmp_path}/etc/netns/web/network/if-up.d"))
        Executor(log=io.StringIO()).do(MakeDirs(f"{tmp_path}/etc/netns/web/network/if-up.d"))  # twice: no change
    finally:
        os.umask(old)
    assert (tmp_path / "etc").stat().st_mode & 0o777 == 0o700
    for made in ("etc/netns", "etc/netns/web", "etc/netns/web/network", "etc/netns/web/network/if-up.d"):
        assert (tmp_path / made).stat().st_mode & 0o777 == 0o755, made
    (tmp_path / "file").write_text("")
    with pytest.raises(CommandFailed, match="Not a directory"):
        Executor(log=io.StringIO()).do(MakeDirs(f"{tmp_path}/file/x"))


def test_remove_tree_removes_symlinks_in_it_without_following_them(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "sub").mkdir(parents=True)
    (elsewhere / "sub/keep").write_text("")
    state = tmp_path / "state"
    (state / "dhcp").mkdir(parents=True)
    (state / "dhcp/dhclient.eth0.pid").write_text("1\n")
    (state / "dhcp/link").symlink_to(elsewhere / "sub")
    (state / "top").symlink_to(elsewhere)
    Executor(log=io.StringIO()).do(RemoveTree(str(state)))
    assert os.listdir(tmp_path) == ["elsewhere"]
    assert os.listdir(elsewhere / "sub") == ["keep"]
    (tmp_path / "link").symlink_to(elsewhere)  # a symlinked state directory: the link goes, not its target
    Executor(log=io.StringIO()).do(RemoveTree(str(tmp_path / "link")))
    assert os.listdir(tmp_path) == ["elsewhere"] and os.listdir(elsewhere) == ["sub"]
    Executor(log=io.StringIO()).do(RemoveTree(str(tmp_path / "gone/state")))  # nothing there: nothing to do
    Executor(log=io.StringIO()).do(RemoveFile(str(tmp_path / "gone/file")))


def test_write_file_never_replaces_an_entry_nor_writes_through_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "mine").write_text("the admin's\n")
    (tmp_path / "resolv.conf").symlink_to(tmp_path / "mine")
    for path in ("mine", "resolv.conf"):
        with pytest.raises(CommandFailed, match="File exists"):
            Executor(log=io.StringIO()).do(WriteFile(str(tmp_path / path), "nameserver 192.0.2.53\n"))
    assert (tmp_path / "mine").read_text() == "the admin's\n"
    Executor(log=io.StringIO()).do(WriteFile(str(tmp_path / "new"), "a\nb"))
    Executor(log=io.StringIO()).do(Symlink("new", str(tmp_path / "link")))
    assert (tmp_path / "link").read_text() == "a\nb\n"


def test_queries_side_by_side_time_out_in_their_threads_without_touching_signals(fp: FakeProcess) -> None:
    """query_all's worker threads may not set signal handlers: a hung query is killed by a timed wait."""
    sent: list[int] = []

    def on_signal(process: Any, sig: int) -> None:
        sent.append(sig)
        process.returncode = -sig

    # Runs 0.03 s: a wait of 0.01 s times out (pytest-subprocess times out a wait shorter than
    # what is left of wait= after it), and the killed child's thread ends its sleep soon.
    fp.register(["ip", "-n", "a", "link"], wait=0.03, signal_callback=on_signal)
    fp.register(["ip", "-n", "b", "link"], stdout="b's links")
    ex = Executor(log=io.StringIO())
    found = executor.query_all(
        lambda argv: ex._spawn(Run(argv, timeout=0.01), echo=False),
        [("ip", "-n", "a", "link"), ("ip", "-n", "b", "link")],
    )
    assert sent == [KILL]
    assert isinstance(found[0], CommandFailed)
    assert found[0].message == "timed out after 0.01 s, killed: (no output)"
    assert found[1] == "b's links"
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
