"""Commands as data: the actions a plan is made of, and their POSIX sh form.

The executor runs these values; `--print-commands` prints the same values with
`script()`. Keeping both on one type is what makes the audited script the
thing that runs.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SelfNetns:
    """Stands for "the network namespace this program runs in" in an `ip ... netns` argument.

    The executor passes its own PID; the sh script passes `$$`, the shell's. Never
    PID 1: in a test sandbox or a container, PID 1 may live in another namespace.
    """


SELF_NETNS = SelfNetns()
Arg = str | SelfNetns


@dataclass(frozen=True)
class Run:
    """Start ARGV; feed STDIN to it if given; QUIET drops its stdout."""

    argv: tuple[Arg, ...]
    stdin: str | None = None
    quiet: bool = False

    def sh(self) -> str:
        line = " ".join('"$$"' if isinstance(a, SelfNetns) else shlex.quote(a) for a in self.argv)
        if self.stdin is not None:
            lines = self.stdin.splitlines()
            line = f"printf '%s\\n' {' '.join(shlex.quote(x) for x in lines)} | {line}"
        return f"{line} >/dev/null" if self.quiet else line


@dataclass(frozen=True)
class MakeDirs:
    """Create directory PATH and its parents, as `mkdir -p`."""

    path: str

    def sh(self) -> str:
        return shlex.join(("mkdir", "-p", self.path))


@dataclass(frozen=True)
class RemoveTree:
    """Remove PATH and all below it, as `rm -rf`."""

    path: str

    def sh(self) -> str:
        return shlex.join(("rm", "-rf", self.path))


@dataclass(frozen=True)
class RemoveFile:
    """Remove the file PATH if it exists, as `rm -f`."""

    path: str

    def sh(self) -> str:
        return shlex.join(("rm", "-f", self.path))


@dataclass(frozen=True)
class WriteFile:
    """Create PATH with CONTENT (lines ending in newlines), replacing nothing else."""

    path: str
    content: str

    def sh(self) -> str:
        return f"{_printf(self.content)} >{shlex.quote(self.path)}"


def _printf(content: str) -> str:
    """`printf '%s\\n' LINE...`: what writes CONTENT's lines, each with its newline."""
    return "printf '%s\\n' " + " ".join(shlex.quote(x) for x in content.splitlines())


@dataclass(frozen=True)
class ReplaceFile:
    """Replace PATH with CONTENT atomically: written to PATH.tmp, then renamed over PATH."""

    path: str
    content: str

    def sh(self) -> str:
        tmp = shlex.quote(f"{self.path}.tmp")
        return f"{_printf(self.content)} >|{tmp}; mv -f {tmp} {shlex.quote(self.path)}"


@dataclass(frozen=True)
class LinkIs:
    """Fails unless link NAME is here and is the one known by IFINDEX or by one of MACS.

    The check that a link given back by a namespace really arrived: another link may have taken
    its name meanwhile, and then the move fails while a check by name would pass.
    """

    name: str
    ifindex: int | None
    macs: tuple[str, ...]

    @property
    def argv(self) -> tuple[str, ...]:
        return ("ip", "-o", "link", "show", "dev", self.name)

    @property
    def patterns(self) -> tuple[str, ...]:
        """Extended regular expressions, one of which a line of argv's output matches."""
        index = (f"^{self.ifindex}: ",) if self.ifindex is not None else ()
        return index + tuple(f" {mac}( |$)" for mac in self.macs)

    def sh(self) -> str:
        patterns = " ".join(f"-e {shlex.quote(p)}" for p in self.patterns)
        return f"{shlex.join(self.argv)} | grep -Eq {patterns}"


@dataclass(frozen=True)
class Symlink:
    """Create the symbolic link PATH pointing at TARGET."""

    target: str
    path: str

    def sh(self) -> str:
        return shlex.join(("ln", "-s", self.target, self.path))


@dataclass(frozen=True)
class HardLink:
    """Create PATH as another name of the file SOURCE."""

    source: str
    path: str

    def sh(self) -> str:
        return shlex.join(("ln", self.source, self.path))


@dataclass(frozen=True)
class EndProcesses:
    """SIGTERM every process in NETNS, wait up to TIMEOUT seconds, then SIGKILL."""

    netns: str
    timeout: float = 5.0

    def sh(self) -> str:
        return shlex.join(("end_processes", self.netns, str(int(self.timeout) or 1)))


Action = Run | MakeDirs | RemoveTree | RemoveFile | WriteFile | ReplaceFile | Symlink | HardLink | EndProcesses | LinkIs


class OnError(enum.Enum):
    FAIL = "fail"  # stop, undo what was done, exit 1
    REPORT = "report"  # report, carry on, exit 1 at the end (teardown)
    IGNORE = "ignore"  # expected to fail at times; not an error


@dataclass(frozen=True)
class Step:
    """An action, what a failure of it means, and the actions that undo it."""

    action: Action
    on_error: OnError = OnError.FAIL
    undo: tuple[Action, ...] = ()
    undo_if_failed: bool = False  # the action may have half-happened (ifup): undo it too

    def sh(self) -> str:
        line = self.action.sh()
        if self.on_error is OnError.REPORT:
            return f"{line} || rc=1"
        if self.on_error is OnError.IGNORE:
            return f"{line} || :"
        return line


@dataclass(frozen=True)
class Plan:
    """An ordered list of steps plus notes for the admin (printed, never run)."""

    title: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()

    def __add__(self, other: Plan) -> Plan:
        return Plan(self.title, self.steps + other.steps, self.notes + other.notes)


_END_PROCESSES_SH = r"""end_processes() { # NAMESPACE SECONDS: SIGTERM, wait, SIGKILL what is left, wait
	for sig in TERM KILL; do
		pids=$(ip netns pids "$1") || return 1
		[ -n "$pids" ] || return 0
		kill "-$sig" $pids 2>/dev/null || :
		n=$(($2 * 50))
		while [ "$n" -gt 0 ] && [ -n "$(ip netns pids "$1")" ]; do sleep 0.02; n=$((n - 1)); done
	done
	[ -z "$(ip netns pids "$1")" ]
}"""


def script(plans: Iterable[Plan]) -> str:
    """The POSIX sh script that does what the executor would do with PLANS."""
    plans = list(plans)
    steps = [step for plan in plans for step in plan.steps]
    # -C (noclobber): like the executor, writing a file never replaces an existing one.
    out = ["#!/bin/sh", "# Generated by netns-helper --print-commands.", "set -euC", "rc=0"]
    if any(isinstance(step.action, EndProcesses) for step in steps):
        out.append(_END_PROCESSES_SH)
    for plan in plans:
        out.append(f"# {plan.title}")
        out.extend(f"# note: {note}" for note in plan.notes)
        out.extend(step.sh() for step in plan.steps)
    out.append('exit "$rc"')
    return "\n".join(out) + "\n"
