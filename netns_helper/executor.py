# SPDX-License-Identifier: GPL-3.0-or-later
"""The one place that starts processes and changes the system."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from . import facts
from .commands import (
    Action,
    Arg,
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
    SelfNetns,
    Step,
    Symlink,
    WriteFile,
)
from .values import field, replace, value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing at start-up
if TYPE_CHECKING:
    from types import FrameType
    from typing import BinaryIO, Never, NoReturn, TextIO

# The signals that end a plan early: systemd's when TimeoutStartSec= runs out or the unit is
# stopped, and an admin's Ctrl-C. A child that ignores our SIGTERM gets SIGKILL after KILL_GRACE.
INTERRUPTS = (signal.SIGTERM, signal.SIGINT)
# The actions that change files, or signal processes, without starting a program.
FileAction = MakeDirs | RemoveTree | RemoveFile | WriteFile | ReplaceFile | Symlink | CopyFile | EndProcesses
KILL_GRACE = 5.0


class CommandFailed(Exception):
    """ACTION failed; ENDED when we ended it (a timeout, an interrupt): it may have half-happened."""

    def __init__(self, action: Action, message: str, ended: bool = False) -> None:
        super().__init__(message)
        self.action = action
        self.message = message
        self.ended = ended

    def __str__(self) -> str:
        return f"{self.action.sh()}: {self.message}"


class Processes:
    """How the executor sees and signals processes (in PATHS: /proc and /run/netns); tests replace it."""

    def __init__(self, paths: facts.Paths | None = None) -> None:
        self.paths = paths if paths is not None else facts.Paths()

    def signal(self, pid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)

    def in_netns(self, pid: int, netns: str) -> bool:
        """True while PID lives (not a zombie) in namespace NETNS."""
        try:
            mine = os.stat(f"{self.paths.proc}/{pid}/ns/net")
        except OSError:
            return False
        return facts.identity(self.paths, netns) == (mine.st_dev, mine.st_ino)

    def pids(self, netns: str) -> list[int] | None:
        """The processes in namespace NETNS, found as `ip netns pids` finds them, by one walk of
        /proc and no process (a stop would otherwise start an `ip` for it, more with processes
        to end). None when the namespace cannot be read (where `ip netns pids` fails)."""
        found = facts.netns_pids(self.paths, (netns,))
        return list(found[netns]) if netns in found else None

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def monotonic(self) -> float:
        return time.monotonic()


@value  # its lists fill in as the plan runs; the fields themselves are never reassigned
class Outcome:
    """What a plan's execution ended with: failures, ignored failures, what was undone, and the
    signal (SIGTERM, SIGINT) that interrupted it."""

    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    undone: list[str] = field(default_factory=list)
    interrupted: str | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.interrupted is None

    @property
    def verdict(self) -> str:
        """How a plan that is not ok ended, for `PLAN failed:` and `PLAN interrupted by SIGTERM:`."""
        return f"interrupted by {self.interrupted}" if self.interrupted else "failed"


# The executor's own state: a plain class, not a dataclass, whose creation costs start-up time.
class Executor:
    """Runs plans and read-only queries: the only place that starts processes."""

    def __init__(
        self,
        verbose: bool = False,
        log: TextIO | None = None,
        processes: Processes | None = None,
        on_step: Callable[[Step], None] | None = None,  # tests: fault injection and tracing
    ) -> None:
        self.verbose = verbose
        self.log = log if log is not None else sys.stderr
        self.processes = processes if processes is not None else Processes()
        self.on_step = on_step
        # What the signal handlers act on: the running child, why we ended it, the interrupt.
        self._child: subprocess.Popen[bytes] | None = None
        self._timeout = 0.0
        self._ended: str | None = None
        self._signal: signal.Signals | None = None
        self._interrupts = 0  # how many have come: one that came while a child started counts too
        self._undoing = False
        self._catching = False

    # --- processes -----------------------------------------------------------------
    def _argv(self, argv: Sequence[Arg]) -> list[str]:
        return [str(os.getpid()) if isinstance(a, SelfNetns) else a for a in argv]

    def query(self, argv: Sequence[str]) -> str:
        """Run a read-only command and return its stdout; raise CommandFailed on failure."""
        if self._signal is not None:
            raise CommandFailed(Run(tuple(argv)), f"interrupted by {self._signal.name}, not run")
        return self._spawn(Run(tuple(argv)), echo=False)

    def _spawn(self, run: Run, echo: bool = True) -> str:
        argv = self._argv(run.argv)
        if self.verbose:
            # What really runs: our own PID where the plan says "this namespace".
            self.log.write(f"+ {Run(tuple(argv), run.stdin, run.quiet).sh()}\n")
        # Input and output are anonymous files, not pipes: a daemon that ifup (or an `up` line)
        # starts in the background inherits them, and a pipe would keep us waiting until it
        # exits. No input: /dev/null, never our own stdin. Its own process group: a Ctrl-C at the
        # terminal reaches us only, and we end the child (or let an undo finish).
        with _memfile("stdin") as inp, _memfile("stdout") as out, _memfile("stderr") as err:
            if run.stdin is not None:
                inp.write(run.stdin.encode())
                inp.seek(0)
            interrupts = self._interrupts
            try:
                proc = subprocess.Popen(
                    argv,
                    stdin=inp if run.stdin is not None else subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    process_group=0,
                )
            except OSError as e:
                raise CommandFailed(run, f"cannot run {argv[0]}: {e.strerror}") from None
            if threading.current_thread() is threading.main_thread():
                returncode, ended = self._wait(proc, run.timeout, interrupts)
            else:
                returncode, ended = _wait_in_thread(proc, run.timeout)
            stdout, stderr = _read(out), _read(err)
        if self.verbose and echo:
            for stream in (stderr,) if run.quiet else (stdout, stderr):
                for line in stream.splitlines():
                    self.log.write(f"  {line}\n")
        if returncode != 0:
            problem = stderr.strip() or stdout.strip() or "(no output)"
            raise CommandFailed(run, f"{ended or _status(returncode)}: {problem}", ended=ended is not None)
        return stdout

    def _wait(self, proc: subprocess.Popen[bytes], timeout: float, interrupts: int) -> tuple[int, str | None]:
        """PROC's exit status once it ended, and why we ended it (a timeout, an interrupt) if we did.

        A blocking wait, woken by signals: SIGALRM at TIMEOUT kills PROC; SIGTERM and SIGINT
        (see execute) terminate it, also when one came since INTERRUPTS was counted (while PROC
        was being started), and SIGALRM kills it KILL_GRACE seconds later.
        """
        self._child, self._ended = proc, None
        previous = signal.signal(signal.SIGALRM, self._on_alarm)
        self._timeout = timeout
        signal.setitimer(signal.ITIMER_REAL, timeout)
        if self._interrupts != interrupts and self._signal is not None:
            self._end_child(self._signal)
        try:
            returncode = proc.wait()
        except BaseException:
            proc.kill()  # a KeyboardInterrupt outside a plan: leave no child behind
            proc.wait()
            raise
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            self._child = None
        return returncode, self._ended

    def _on_alarm(self, signum: int, frame: FrameType | None) -> None:
        if self._child is not None and self._child.returncode is None:
            self._ended = self._ended or f"timed out after {self._timeout:g} s, killed"
            self._child.kill()

    def _on_interrupt(self, signum: int, frame: FrameType | None) -> None:
        sig = signal.Signals(signum)
        self._signal = self._signal or sig
        self._interrupts += 1
        self._end_child(sig)

    def _end_child(self, sig: signal.Signals) -> None:
        """SIGTERM to the running child for the interrupt SIG, SIGKILL after KILL_GRACE; not while undoing."""
        child = self._child
        if child is None or child.returncode is not None or self._undoing or self._ended:
            return  # between steps, or undoing (each undo step is bounded): nothing to end
        self._ended = f"interrupted by {sig.name}"
        child.terminate()
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        if not 0 < remaining <= KILL_GRACE:
            signal.setitimer(signal.ITIMER_REAL, KILL_GRACE)

    # --- one action ------------------------------------------------------------------
    def do(self, action: Action) -> None:
        match action:
            case Run():
                self._spawn(action)
            case LinkIs():
                self._link_is(action)
            case (
                MakeDirs()
                | RemoveTree()
                | RemoveFile()
                | WriteFile()
                | ReplaceFile()
                | Symlink()
                | CopyFile()
                | EndProcesses()
            ):
                if self.verbose:
                    self.log.write(f"+ {action.sh()}\n")
                try:
                    self._do_file(action)
                except OSError as e:
                    raise CommandFailed(action, e.strerror or str(e)) from None
            case _:
                _unknown(action)

    def _do_file(self, action: FileAction) -> None:
        # Each file and directory is made or removed relative to its directory, opened without
        # following a symlink there: a symlink swapped in since the plan was made is refused.
        match action:
            case MakeDirs(path):
                _make_dirs(path)
            case RemoveTree(path):
                _remove_tree(path)
            case RemoveFile(path):
                with _parent(path, missing_ok=True) as (directory, name):
                    if directory is not None:
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(name, dir_fd=directory)
            case WriteFile(path, content):
                # O_EXCL: an existing file (an admin's), or a symlink, is never written through.
                with _parent(path) as (directory, name):
                    fd = os.open(name, _NEW_FILE | os.O_EXCL, 0o666, dir_fd=directory)
                with open(fd, "w") as f:
                    f.write("".join(line + "\n" for line in content.splitlines()))
            case ReplaceFile(path, content):
                with _parent(path) as (directory, name):
                    fd = os.open(f"{name}.tmp", _NEW_FILE | os.O_TRUNC, 0o644, dir_fd=directory)
                    with open(fd, "w") as f:
                        f.write("".join(line + "\n" for line in content.splitlines()))
                    os.replace(f"{name}.tmp", name, src_dir_fd=directory, dst_dir_fd=directory)
            case Symlink(target, path):
                with _parent(path) as (directory, name):
                    os.symlink(target, name, dir_fd=directory)
            case CopyFile(source, path):
                _copy_file(source, path)
            case EndProcesses():
                self._end_processes(action)
            case _:
                _unknown(action)

    def _link_is(self, action: LinkIs) -> None:
        """What the sh form's `ip -o link show dev NAME | grep -Eq -e PATTERN...` does."""
        kept = "the namespace is kept, not deleted, so that the link is not lost"
        try:
            out = self._spawn(Run(action.argv), echo=False)
        except CommandFailed as e:
            raise CommandFailed(action, f"{action.name} did not come back ({e.message}); {kept}") from None
        if not action.found_in(out):
            ident = " or ".join(
                ([f"ifindex {action.ifindex}"] if action.ifindex is not None else []) + list(action.macs)
            )
            raise CommandFailed(
                action, f"the link named {action.name} here is another one, not the one given back ({ident}); {kept}"
            )

    def _end_processes(self, action: EndProcesses) -> None:
        """SIGTERM, poll with a short back-off until gone, SIGKILL after TIMEOUT."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            deadline = self.processes.monotonic() + action.timeout
            delay = 0.001
            signaled: set[int] = set()
            alive: list[int] = []
            while True:
                alive = [pid for pid in alive if self.processes.in_netns(pid, action.netns)]
                if not alive:
                    # Asked again, not assumed: a process may have forked meanwhile.
                    alive = self._pids(action)
                    if not alive:
                        return
                    for pid in set(alive) - signaled:
                        self.processes.signal(pid, sig)
                        signaled.add(pid)
                if self.processes.monotonic() >= deadline:
                    break
                self.processes.sleep(delay)
                delay = min(delay * 2, 0.05)
        left = self._pids(action)
        if left:
            raise CommandFailed(action, f"processes still in namespace after SIGKILL: {' '.join(map(str, left))}")

    def _pids(self, action: EndProcesses) -> list[int]:
        pids = self.processes.pids(action.netns)
        if pids is None:
            raise CommandFailed(action, f"namespace {action.netns} cannot be read")
        return pids

    # --- a plan ---------------------------------------------------------------------
    def execute(self, plan: Plan) -> Outcome:
        """Run PLAN. On a FAIL step's failure, undo the completed steps in reverse and stop.

        SIGTERM or SIGINT is such a failure: the running child is ended, the steps that only
        report (a teardown) go on, and before the next FAIL step, or at the end, what was done
        is undone; the outcome names the signal.
        """
        with self.interruptible():
            outcome = self._execute(plan)
            return outcome if self._signal is None else replace(outcome, interrupted=self._signal.name)

    @contextlib.contextmanager
    def interruptible(self) -> Iterator[None]:
        """Within it, SIGTERM and SIGINT end the running child and are remembered, not fatal:
        a plan then undoes what it did, and no query starts (CommandFailed). Nests."""
        if self._catching:
            yield
            return
        previous = {sig: signal.signal(sig, self._on_interrupt) for sig in INTERRUPTS}
        self._catching = True
        try:
            yield
        finally:
            self._catching = False
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _execute(self, plan: Plan) -> Outcome:
        outcome = Outcome()
        done: list[Step] = []
        for step in plan.steps:
            if self._signal is not None and step.on_error is OnError.FAIL:
                break
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
                    if step.undo_if_failed:
                        self._undo([*done, step], outcome)
                    elif e.ended:
                        # Ended midway, it may or may not have happened: undo it, quietly if it had not.
                        self._undo(done, outcome, step)
                    else:
                        self._undo(done, outcome)
                    return outcome
                continue
            done.append(step)
        if self._signal is not None:
            self.log.write(f"error: interrupted by {self._signal.name}\n")
            self._undo(done, outcome)
        return outcome

    def _undo(self, done: list[Step], outcome: Outcome, maybe: Step | None = None) -> None:
        """Undo DONE in reverse, after the step MAYBE, which may not have happened: its undo's failures are warnings."""
        self._undoing = True
        try:
            for step in reversed([*done, maybe] if maybe else done):
                for action in step.undo:
                    try:
                        self.do(action)
                        outcome.undone.append(action.sh())
                    except CommandFailed as e:
                        if step is maybe:
                            outcome.warnings.append(f"while undoing: {e}")
                            self.log.write(f"warning: while undoing: {e} (ignored: the step may not have happened)\n")
                        else:
                            outcome.failures.append(f"while undoing: {e}")
                            self.log.write(f"error: while undoing: {e}\n")
        finally:
            self._undoing = False


def _unknown(action: Never) -> NoReturn:
    """An action type added to commands.Action but not to the executor: mypy refuses the call
    unless every type was matched before it, and at run time it is never a silent success."""
    raise TypeError(f"the executor cannot do {action!r}")


def _status(returncode: int) -> str:
    """How a child ended: `exit code N`, or `killed by SIGNAME`."""
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


def _memfile(name: str) -> BinaryIO:
    return open(os.memfd_create(name, os.MFD_CLOEXEC), "w+b")


def _read(f: BinaryIO) -> str:
    f.seek(0)
    return f.read().decode(errors="replace")


_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_dir(name: str, directory: int | None = None, shown: str | None = None) -> int:
    """The directory NAME (in DIRECTORY), opened as itself: a symlink there is refused, not followed."""
    try:
        return os.open(name, _DIRECTORY, dir_fd=directory)
    except NotADirectoryError:
        if stat.S_ISLNK(os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode):
            raise OSError(errno.ELOOP, f"{shown or name} is a symbolic link, not followed") from None
        raise


@contextlib.contextmanager
def _parent(path: str, missing_ok: bool = False) -> Iterator[tuple[int | None, str]]:
    """PATH's directory, opened by `_open_dir` (None if MISSING_OK and it does not exist), and PATH's name in it."""
    head, name = os.path.split(path)
    try:
        directory: int | None = _open_dir(head or ".")
    except FileNotFoundError:
        if not missing_ok:
            raise
        directory = None
    try:
        yield directory, name
    finally:
        if directory is not None:
            os.close(directory)


def _make_dirs(path: str) -> None:
    """`mkdir -p PATH`, one directory at a time, each opened as itself (no symlink followed on the way).

    A directory made is mode 0755 whatever the umask: a group-writable hook directory is refused
    by the next start.
    """
    directory = _open_dir("/" if path.startswith("/") else ".")
    try:
        walked = ""
        for name in (part for part in path.split("/") if part):
            walked += f"/{name}"
            made = False
            try:
                below = _open_dir(name, directory, walked)
            except FileNotFoundError:
                with contextlib.suppress(FileExistsError):  # made meanwhile (another start): taken as it is
                    os.mkdir(name, 0o755, dir_fd=directory)
                    made = True
                below = _open_dir(name, directory, walked)
            if made:
                os.fchmod(below, 0o755)
            os.close(directory)
            directory = below
    finally:
        os.close(directory)


def _copy_file(source: str, path: str) -> None:
    """A new file, never through a symlink at PATH, with SOURCE's bytes and permission bits."""
    with open(source, "rb") as f:
        data = f.read()
        mode = stat.S_IMODE(os.fstat(f.fileno()).st_mode)
    with _parent(path) as (directory, name):
        fd = os.open(name, _NEW_FILE | os.O_EXCL, 0o600, dir_fd=directory)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        os.fchmod(out.fileno(), mode)


def _remove_tree(path: str) -> None:
    """`rm -rf PATH`: a symlink at PATH, or anywhere below, is removed itself, never followed."""
    with _parent(path, missing_ok=True) as (directory, name):
        if directory is not None:
            _remove_in(directory, name)


def _remove_in(directory: int, name: str) -> None:
    try:
        is_dir = stat.S_ISDIR(os.stat(name, dir_fd=directory, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return
    if not is_dir:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=directory)
        return
    below = _open_dir(name, directory)
    try:
        for entry in os.listdir(below):
            _remove_in(below, entry)
    finally:
        os.close(below)
    os.rmdir(name, dir_fd=directory)


def _wait_in_thread(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, str | None]:
    """PROC's exit status, for a query that `query_all` runs beside others: signals (SIGALRM, the
    interrupts) reach the main thread only, so TIMEOUT is a timed wait, and an interrupt ends
    the queries still to start (`query` refuses them), not these."""
    try:
        return proc.wait(timeout), None
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(), f"timed out after {timeout:g} s, killed"
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def query_all(
    query: Callable[[tuple[str, ...]], str], commands: Sequence[tuple[str, ...]]
) -> list[str | CommandFailed]:
    """QUERY of each of COMMANDS, several at a time: each one's output, or its failure, in order.

    The read commands over every namespace (status, metrics, check) would otherwise wait for
    each namespace's `ip` in turn, while the other core idles.
    """

    def one(command: tuple[str, ...]) -> str | CommandFailed:
        try:
            return query(command)
        except CommandFailed as e:
            return e

    if len(commands) < 2:
        return [one(command) for command in commands]
    from concurrent.futures import ThreadPoolExecutor  # only the read commands pay for it

    with ThreadPoolExecutor(max_workers=min(len(commands), 2 * (os.cpu_count() or 1))) as pool:
        return list(pool.map(one, commands))
