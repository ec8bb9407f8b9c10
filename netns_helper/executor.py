"""The one place that starts processes and changes the system."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import iproute
from .commands import (
    Action,
    Arg,
    EndProcesses,
    HardLink,
    LinkIs,
    MakeDirs,
    OnError,
    Plan,
    RemoveFile,
    RemoveTree,
    ReplaceFile,
    Run,
    SelfNetns,
    Step,
    Symlink,
    WriteFile,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start-up
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO


class CommandFailed(Exception):
    def __init__(self, action: Action, message: str) -> None:
        super().__init__(message)
        self.action = action
        self.message = message

    def __str__(self) -> str:
        return f"{self.action.sh()}: {self.message}"


class Processes:
    """How the executor sees and signals processes; tests replace it."""

    def signal(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def in_netns(self, pid: int, netns_path: str) -> bool:
        """True while PID lives (not a zombie) in the namespace bound at NETNS_PATH."""
        try:
            ns = os.stat(netns_path)
            mine = os.stat(f"/proc/{pid}/ns/net")
        except OSError:
            return False
        return (ns.st_dev, ns.st_ino) == (mine.st_dev, mine.st_ino)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


@dataclass
class Outcome:
    """What a plan's execution ended with: failures, ignored failures, and what was undone."""

    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


# The executor's own state: a plain class, not a dataclass, whose creation costs start-up time.
class Executor:
    """Runs plans and read-only queries: the only place that starts processes."""

    def __init__(
        self,
        verbose: bool = False,
        log: TextIO | None = None,
        processes: Processes | None = None,
        run_netns: str = "/run/netns",
        on_step: Callable[[Step], None] | None = None,  # tests: fault injection and tracing
    ) -> None:
        self.verbose = verbose
        self.log = log if log is not None else sys.stderr
        self.processes = processes if processes is not None else Processes()
        self.run_netns = run_netns
        self.on_step = on_step

    # --- processes -----------------------------------------------------------------
    def _argv(self, argv: Sequence[Arg]) -> list[str]:
        return [str(os.getpid()) if isinstance(a, SelfNetns) else a for a in argv]

    def query(self, argv: Sequence[str]) -> str:
        """Run a read-only command and return its stdout; raise CommandFailed on failure."""
        return self._spawn(Run(tuple(argv)), echo=False)

    def _spawn(self, run: Run, echo: bool = True) -> str:
        argv = self._argv(run.argv)
        if self.verbose:
            # What really runs: our own PID where the plan says "this namespace".
            self.log.write(f"+ {Run(tuple(argv), run.stdin, run.quiet).sh()}\n")
        # Output goes to anonymous files, not pipes: a daemon that ifup (or an `up` line)
        # starts in the background inherits them, and a pipe would keep us waiting until it
        # exits. No input: /dev/null, never our own stdin.
        stdin = {"input": run.stdin} if run.stdin is not None else {"stdin": subprocess.DEVNULL}
        with _memfile("stdout") as out, _memfile("stderr") as err:
            try:
                returncode = subprocess.run(argv, stdout=out, stderr=err, text=True, check=False, **stdin).returncode
            except OSError as e:
                raise CommandFailed(run, f"cannot run {argv[0]}: {e.strerror}") from None
            stdout, stderr = _read(out), _read(err)
        if self.verbose and echo:
            for stream in (stderr,) if run.quiet else (stdout, stderr):
                for line in stream.splitlines():
                    self.log.write(f"  {line}\n")
        if returncode != 0:
            problem = stderr.strip() or stdout.strip() or "(no output)"
            raise CommandFailed(run, f"exit code {returncode}: {problem}")
        return stdout

    # --- one action ------------------------------------------------------------------
    def do(self, action: Action) -> None:
        if isinstance(action, Run):
            self._spawn(action)
            return
        if isinstance(action, LinkIs):
            self._link_is(action)
            return
        if self.verbose:
            self.log.write(f"+ {action.sh()}\n")
        try:
            self._do_file(action)
        except OSError as e:
            raise CommandFailed(action, e.strerror or str(e)) from None

    def _do_file(self, action: Action) -> None:
        if isinstance(action, MakeDirs):
            os.makedirs(action.path, exist_ok=True)
        elif isinstance(action, RemoveTree):
            _remove_tree(action.path)
        elif isinstance(action, RemoveFile):
            if os.path.lexists(action.path):
                os.unlink(action.path)
        elif isinstance(action, WriteFile):
            # "x": an existing file (an admin's) is never overwritten.
            with open(action.path, "x") as f:
                f.write("".join(line + "\n" for line in action.content.splitlines()))
        elif isinstance(action, ReplaceFile):
            tmp = f"{action.path}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            with open(fd, "w") as f:
                f.write("".join(line + "\n" for line in action.content.splitlines()))
            os.replace(tmp, action.path)
        elif isinstance(action, Symlink):
            os.symlink(action.target, action.path)
        elif isinstance(action, HardLink):
            os.link(action.source, action.path)
        elif isinstance(action, EndProcesses):
            self._end_processes(action)

    def _link_is(self, action: LinkIs) -> None:
        """What the sh form's `ip -o link show dev NAME | grep -Eq -e PATTERN...` does."""
        import re  # only stop needs it

        kept = "the namespace is kept, not deleted, so that the link is not lost"
        try:
            out = self._spawn(Run(action.argv), echo=False)
        except CommandFailed as e:
            raise CommandFailed(action, f"{action.name} did not come back ({e.message}); {kept}") from None
        if not any(re.search(p, line) for p in action.patterns for line in out.splitlines()):
            ident = " or ".join(
                ([f"ifindex {action.ifindex}"] if action.ifindex is not None else []) + list(action.macs)
            )
            raise CommandFailed(
                action, f"the link named {action.name} here is another one, not the one given back ({ident}); {kept}"
            )

    def _end_processes(self, action: EndProcesses) -> None:
        """SIGTERM, poll with a short back-off until gone, SIGKILL after TIMEOUT."""
        import signal  # only stop needs it: keep start-up lean

        path = f"{self.run_netns}/{action.netns}"
        for sig in (signal.SIGTERM, signal.SIGKILL):
            deadline = self.processes.monotonic() + action.timeout
            delay = 0.001
            signaled: set[int] = set()
            alive: list[int] = []
            while True:
                alive = [pid for pid in alive if self.processes.in_netns(pid, path)]
                if not alive:
                    # Asked again, not assumed: a process may have forked meanwhile.
                    alive = self._pids(action.netns)
                    if not alive:
                        return
                    for pid in set(alive) - signaled:
                        self.processes.signal(pid, sig)
                        signaled.add(pid)
                if self.processes.monotonic() >= deadline:
                    break
                self.processes.sleep(delay)
                delay = min(delay * 2, 0.05)
        left = self._pids(action.netns)
        if left:
            raise CommandFailed(action, f"processes still in namespace after SIGKILL: {' '.join(map(str, left))}")

    def _pids(self, netns: str) -> list[int]:
        out = self.query(iproute.query_pids(netns))
        return [int(word) for word in out.split()]

    # --- a plan ---------------------------------------------------------------------
    def execute(self, plan: Plan) -> Outcome:
        """Run PLAN. On a FAIL step's failure, undo the completed steps in reverse and stop."""
        outcome = Outcome()
        done: list[Step] = []
        for step in plan.steps:
            try:
                if self.on_step:
                    self.on_step(step)
                self.do(step.action)
            except CommandFailed as e:
                if step.on_error is OnError.IGNORE:
                    outcome.warnings.append(str(e))
                    self.log.write(f"warning: {e} (ignored)\n")
                    continue
                outcome.failures.append(str(e))
                self.log.write(f"error: {e}\n")
                if step.on_error is OnError.FAIL:
                    self._undo([*done, step] if step.undo_if_failed else done, outcome)
                    return outcome
                continue
            done.append(step)
        return outcome

    def _undo(self, done: list[Step], outcome: Outcome) -> None:
        for step in reversed(done):
            for action in step.undo:
                try:
                    self.do(action)
                    outcome.undone.append(action.sh())
                except CommandFailed as e:
                    outcome.failures.append(f"while undoing: {e}")
                    self.log.write(f"error: while undoing: {e}\n")


def _memfile(name: str) -> BinaryIO:
    return open(os.memfd_create(name, os.MFD_CLOEXEC), "w+b")


def _read(f: BinaryIO) -> str:
    f.seek(0)
    return f.read().decode(errors="replace")


def _remove_tree(path: str) -> None:
    if not os.path.lexists(path):
        return
    if os.path.isdir(path) and not os.path.islink(path):
        for entry in os.scandir(path):
            _remove_tree(entry.path)
        os.rmdir(path)
    else:
        os.unlink(path)
