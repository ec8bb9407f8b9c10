# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors the command line turns into messages and exit codes."""

from __future__ import annotations

from .values import field, value

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2


@value
class Loc:
    """A place in a configuration file, printed as `path:line`."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class ConfigError(Exception):
    """Bad configuration or usage: reported before any command runs (exit 2)."""

    def __init__(self, message: str, loc: Loc | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        text = f"{where}error: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


ERROR, WARNING = "error", "warning"


@value
class Problem:
    """One problem of the configuration, located, with its severity; printed as `where: severity: message`."""

    severity: str
    message: str
    where: str  # "path:line", or "path" when no line applies
    cause: ConfigError | None = field(default=None, compare=False, repr=False)  # to raise it as it was

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"

    @classmethod
    def of(cls, error: ConfigError, severity: str = ERROR) -> Problem:
        where = str(error.loc) if error.loc else error.message.split(":", 1)[0]
        message = error.message if error.loc else error.message.split(": ", 1)[-1]
        hint = f" (hint: {error.hint})" if error.hint else ""
        return cls(severity, message + hint, where, error)

    @classmethod
    def at(cls, severity: str, message: str, loc: Loc, hint: str | None = None) -> Problem:
        return cls.of(ConfigError(message, loc, hint), severity)


def raise_first_error(problems: tuple[Problem, ...] | list[Problem]) -> None:
    """For a caller that plans without the rule set: the first error, as the ConfigError it is."""
    for problem in problems:
        if problem.severity == ERROR:
            raise problem.cause or ConfigError(f"{problem.where}: {problem.message}")
