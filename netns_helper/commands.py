# SPDX-License-Identifier: GPL-3.0-or-later
"""Commands as data: the actions a plan is made of, and their POSIX sh form.

The executor runs these values; `--print-commands` prints the same values with
`script()`. Keeping both on one type is what makes the audited script the
thing that runs.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from .values import value


def _quote(word: str) -> str:
    """shlex.quote, imported on first use: a start that prints nothing needs no shlex (issue 15)."""
    import shlex

    return shlex.quote(word)


def _join(words: Sequence[str]) -> str:
    import shlex

    return shlex.join(words)


@value
class SelfNetns:
    """Stands for "the network namespace this program runs in" in an `ip ... netns` argument.

    The executor passes its own PID; the sh script passes `$$`, the shell's. Never
    PID 1: in a test sandbox or a container, PID 1 may live in another namespace.
    """


SELF_NETNS = SelfNetns()
Arg = str | SelfNetns

# How long the executor lets each process run before it kills it. They fit the unit's
# TimeoutStartSec=5min and TimeoutStopSec=2min (share/systemd-netns-helper/systemd-netns@.service,
# tests/unit/test_units.py holds them together): a hung ifup is ended by us, with a message and
# time left to undo the start (its ifdown and end_processes); a hung ifdown leaves stop the time
# to carry on, and an undo after systemd's SIGTERM ends within TimeoutStopSec.
PROCESS_TIMEOUT = 30.0  # ip, systemctl and the rest: milliseconds when all is well
IFUPDOWN_TIMEOUTS = {"ifup": 180.0, "ifdown": 60.0}  # ifup waits for DHCP leases and hooks


@value
class Run:
    """Start ARGV; feed STDIN to it if given; QUIET drops its stdout; kill it after TIMEOUT seconds.

    The sh script does not show TIMEOUT: it bounds how long ARGV may take, not what runs.
    """

    argv: tuple[Arg, ...]
    stdin: str | None = None
    quiet: bool = False
    timeout: float = PROCESS_TIMEOUT

    def sh(self) -> str:
        """The command line; its input, when it ends in a newline, as a here-document below it,
        one line of input per line of script (an `ip -batch` command each)."""
        line = " ".join('"$$"' if isinstance(a, SelfNetns) else _quote(a) for a in self.argv)
        if self.quiet:
            line += " >/dev/null"
        if self.stdin is None:
            return line
        if not self.stdin.endswith("\n"):  # a here-document would add one
            return f"printf '%s' {_quote(self.stdin)} | {line}"
        # Quoted: sh expands nothing in the body. The delimiter is no line of the input.
        body = self.stdin[:-1].split("\n")
        delimiter = "EOF"
        while delimiter in body:
            delimiter += "_"
        return "\n".join((f"{line} <<'{delimiter}'", *body, delimiter))


@value
class MakeDirs:
    """Create directory PATH and its parents, as `mkdir -p`."""

    path: str

    def sh(self) -> str:
        return _join(("mkdir", "-p", self.path))


@value
class RemoveTree:
    """Remove PATH and all below it, as `rm -rf`."""

    path: str

    def sh(self) -> str:
        return _join(("rm", "-rf", self.path))


@value
class RemoveFile:
    """Remove the file PATH if it exists, as `rm -f`."""

    path: str

    def sh(self) -> str:
        return _join(("rm", "-f", self.path))


@value
class WriteFile:
    """Create PATH with CONTENT (lines ending in newlines), replacing nothing else."""

    path: str
    content: str

    def sh(self) -> str:
        return f"{_printf(self.content)} >{_quote(self.path)}"


def _printf(content: str) -> str:
    """`printf '%s\\n' LINE...`: what writes CONTENT's lines, each with its newline."""
    return "printf '%s\\n' " + " ".join(_quote(x) for x in content.splitlines())


@value
class ReplaceFile:
    """Replace PATH with CONTENT atomically: written to PATH.tmp, then renamed over PATH."""

    path: str
    content: str

    def sh(self) -> str:
        tmp = _quote(f"{self.path}.tmp")
        return f"{_printf(self.content)} >|{tmp}; mv -f {tmp} {_quote(self.path)}"


@value
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

    def found_in(self, output: str) -> bool:
        """A line of OUTPUT matches one of the patterns (what `grep -Eq` says of it), without re:
        the patterns are a fixed prefix and fixed words (an ifindex, hex and colons)."""
        return any(
            (self.ifindex is not None and line.startswith(f"{self.ifindex}: "))
            or any(f" {mac} " in f"{line} " for mac in self.macs)
            for line in output.splitlines()
        )

    def sh(self) -> str:
        patterns = " ".join(f"-e {_quote(p)}" for p in self.patterns)
        return f"{_join(self.argv)} | grep -Eq {patterns}"


@value
class Symlink:
    """Create the symbolic link PATH pointing at TARGET."""

    target: str
    path: str

    def sh(self) -> str:
        return _join(("ln", "-s", self.target, self.path))


@value
class CopyFile:
    """Create PATH, a new file, as a copy of SOURCE's bytes and permissions (never another name of it)."""

    source: str
    path: str

    def sh(self) -> str:
        return _join(("cp", "--preserve=mode", self.source, self.path))


@value
class EndProcesses:
    """SIGTERM every process in NETNS, wait up to TIMEOUT seconds, then SIGKILL."""

    netns: str
    timeout: float = 5.0

    def sh(self) -> str:
        return _join(("end_processes", self.netns, str(int(self.timeout) or 1)))


Action = Run | MakeDirs | RemoveTree | RemoveFile | WriteFile | ReplaceFile | Symlink | CopyFile | EndProcesses | LinkIs


class OnError(enum.Enum):
    FAIL = "fail"  # stop, undo what was done, exit 1
    REPORT = "report"  # report, carry on, exit 1 at the end (teardown)
    IGNORE = "ignore"  # expected to fail at times; not an error


@value
class Step:
    """An action, what a failure of it means, and the actions that undo it."""

    action: Action
    on_error: OnError = OnError.FAIL
    undo: tuple[Action, ...] = ()
    undo_if_failed: bool = False  # the action may have half-happened (ifup): undo it too

    def sh(self) -> str:
        """The action's sh; what a failure does goes on its first line (a here-document follows it)."""
        line, newline, heredoc = self.action.sh().partition("\n")
        if self.on_error is OnError.REPORT:
            line += " || rc=1"
        elif self.on_error is OnError.IGNORE:
            line += " || :"
        return line + newline + heredoc


@value
class Plan:
    """An ordered list of steps plus notes for the admin (printed, never run).

    A plan joined from others keeps them as its SECTIONS (PARTS): the script prints a header and
    the notes of each, while TITLE names the command the admin typed (`start strongswan`, also
    over the stop of a stale namespace and the start of its destinations).
    """

    title: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...] = ()
    parts: tuple[Plan, ...] = ()  # the sections of a joined plan; () when it is one

    @property
    def sections(self) -> tuple[Plan, ...]:
        return self.parts or (self,)

    def __add__(self, other: Plan) -> Plan:
        return joined(self.title, self, other)


def joined(title: str, *plans: Plan) -> Plan:
    """PLANS one after the other, as one plan named TITLE; their sections kept, the empty ones dropped."""
    sections = tuple(s for plan in plans for s in plan.sections if s.steps or s.notes)
    steps = tuple(step for s in sections for step in s.steps)
    return Plan(title, steps, tuple(note for s in sections for note in s.notes), sections)


END_PROCESSES_SH = r"""end_processes() { # NAMESPACE SECONDS: SIGTERM, wait, SIGKILL what is left, wait
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
        out.append(END_PROCESSES_SH)
    for section in (section for plan in plans for section in plan.sections):
        out.append(f"# {section.title}")
        out.extend(f"# note: {note}" for note in section.notes)
        out.extend(step.sh() for step in section.steps)
    out.append('exit "$rc"')
    return "\n".join(out) + "\n"
