# SPDX-License-Identifier: GPL-3.0-or-later
"""A small command-line parser: argparse alone costs more start-up time than a boot-time tool should pay."""

from __future__ import annotations

from collections.abc import Sequence

from .values import value

GLOBAL_FLAGS = {
    "--print-commands": "change nothing: print the plan as a POSIX sh script that does what the command would do",
    "--verbose": "log every command as `+ CMD` on stderr (-v)",
    "--version": "print the version and exit",
    "--help": "show this help and exit (-h)",
}
_SHORT = {"-v": "--verbose", "-h": "--help"}


@value
class Command:
    """A subcommand: its operands, help and own options."""

    name: str
    operands: str  # as shown in usage, e.g. "NAME" or "[NAME ...]"
    min_operands: int
    max_operands: int | None
    summary: str
    description: str
    example: str
    flags: tuple[tuple[str, str], ...] = ()  # (--flag, help) of this command only
    options: tuple[tuple[str, str, str], ...] = ()  # (--option, METAVAR, help): given as --option=VALUE


@value
class Args:
    """A parsed command line."""

    command: str
    operands: tuple[str, ...]
    flags: frozenset[str]
    values: tuple[tuple[str, str], ...] = ()  # (--option, VALUE) in the order given

    def value(self, option: str, default: str) -> str:
        return dict(self.values).get(option, default)

    @property
    def name(self) -> str:
        return self.operands[0]


class UsageError(Exception):
    """Bad command line: exit 2 with the message and a pointer to --help."""


class Exit(Exception):
    """--help or --version: print TEXT, exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def main_help(prog: str, commands: Sequence[Command], epilog: str) -> str:
    lines = [f"usage: {prog} [--print-commands] [--verbose] COMMAND ...", "", "commands:"]
    lines += [f"  {c.name + ' ' + c.operands:<24} {c.summary}" for c in commands]
    lines += ["", "options:"] + [f"  {flag:<24} {text}" for flag, text in GLOBAL_FLAGS.items()]
    return "\n".join(lines) + "\n\n" + epilog


def command_help(prog: str, command: Command) -> str:
    flags = "".join(f" [{flag}]" for flag, _ in command.flags)
    flags += "".join(f" [{option}={metavar}]" for option, metavar, _ in command.options)
    lines = [
        f"usage: {prog} [--print-commands] [--verbose] {command.name}{flags} {command.operands}",
        "",
        command.description,
    ]
    own = [*command.flags, *((f"{o}={m}", text) for o, m, text in command.options)]
    if own:
        lines += ["", "options:"] + [f"  {flag:<24} {text}" for flag, text in own]
    lines += ["", f"example: {command.example}"]
    return "\n".join(lines) + "\n"


def parse(prog: str, argv: Sequence[str], commands: Sequence[Command], epilog: str, version: str) -> Args:
    """Options may come before or after the command; `--` ends them."""
    by_name = {c.name: c for c in commands}
    flags: set[str] = set()
    values: list[tuple[str, str]] = []
    words: list[str] = []
    options_done = False
    for arg in argv:
        if options_done or not arg.startswith("-") or arg == "-":
            words.append(arg)
        elif arg == "--":
            options_done = True
        elif arg.startswith("--") and "=" in arg:
            option, _, value = arg.partition("=")
            values.append((option, value))
        else:
            flags.add(_SHORT.get(arg, arg))
    command = by_name.get(words[0]) if words else None
    if "--version" in flags:
        raise Exit(f"{prog} {version}\n")
    if "--help" in flags:
        raise Exit(command_help(prog, command) if command else main_help(prog, commands, epilog))
    if not words:
        raise UsageError("a command is required: " + ", ".join(by_name))
    if command is None:
        raise UsageError(f"unknown command {words[0]!r} (choose from {', '.join(by_name)})")
    allowed = set(GLOBAL_FLAGS) | {flag for flag, _ in command.flags}
    unknown = sorted(flags - allowed)
    if unknown:
        hint = " (it takes a value: --option=VALUE)" if any(unknown[0] == o for o, _, _ in command.options) else ""
        raise UsageError(f"unknown option {unknown[0]!r} for {command.name}{hint}")
    for option, _ in values:
        if option not in {o for o, _, _ in command.options}:
            raise UsageError(f"unknown option {option!r} for {command.name}")
    operands = tuple(words[1:])
    if len(operands) < command.min_operands or (
        command.max_operands is not None and len(operands) > command.max_operands
    ):
        raise UsageError(f"usage: {prog} {command.name} {command.operands}")
    return Args(command.name, operands, frozenset(flags), tuple(values))
