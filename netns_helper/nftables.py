# SPDX-License-Identifier: GPL-3.0-or-later
"""A namespace's firewall: `/etc/netns/NAME/nftables.conf`, loaded with nftables' own `nft`.

`start` loads it right after `ip netns add`, before any interface is in the namespace or up;
`reload` loads it again. Either way the file goes in as one transaction that first flushes
the namespace's ruleset (`flush ruleset` then `include "FILE"` on nft's standard input):
a file that fails changes nothing. Validation is nftables' own: `nft -c -f FILE` in a fresh,
empty network namespace (`unshare --net`), the state the file is loaded into at start.

`include` statements resolve as nft resolves them: an absolute path as written, a relative
one against nft's include directory (/etc), globs expanded. Every file they reach must lie
in the namespace's own /etc/netns/NAME/, so that its ruleset is its own configuration.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable

from .commands import Run
from .errors import ConfigError, Loc
from .executor import CommandFailed
from .facts import Paths
from .interfaces import read_config
from .sysctls import text_lines

RULESET = "nftables.conf"
NFT = "nft"
MAX_INCLUDE_DEPTH = 16  # nft's own limit
_INCLUDE_RE = re.compile(r'(?:^|[;{}])\s*include\s+"(?P<path>[^"]*)"')
# nft's error lines: FILE:LINE:COLUMNS: Error: MESSAGE
_ERROR_RE = re.compile(r"^(?P<path>[^\n:]+):(?P<line>\d+):[0-9-]+: Error: (?P<message>.*)$", re.MULTILINE)


def ruleset_path(paths: Paths, netns: str) -> str:
    return f"{paths.netns_etc(netns)}/{RULESET}"


def ruleset(paths: Paths, netns: str) -> str | None:
    """The namespace's ruleset file, when it has one."""
    path = ruleset_path(paths, netns)
    return path if os.path.lexists(path) else None


def scan(paths: Paths, netns: str, path: str) -> list[ConfigError]:
    """What nft would not tell: files that are not small text, includes that leave the namespace's directory."""
    errors: list[ConfigError] = []
    home = os.path.realpath(paths.netns_etc(netns)) + "/"
    _scan(path, None, home, paths.etc, (), errors)
    return errors


def _scan(
    path: str, loc: Loc | None, home: str, include_dir: str, stack: tuple[str, ...], errors: list[ConfigError]
) -> None:
    real = os.path.realpath(path)
    if real in stack:
        errors.append(ConfigError(f"include loop: {path} includes itself", loc))
        return
    if len(stack) >= MAX_INCLUDE_DEPTH:
        errors.append(ConfigError(f"`include` nested more than {MAX_INCLUDE_DEPTH} files deep", loc))
        return
    try:
        lines = text_lines(path, read_config(path, loc))
    except ConfigError as e:
        errors.append(e)
        return
    for line_loc, text in lines:
        code = text.split("#", 1)[0]
        for match in _INCLUDE_RE.finditer(code):
            for target in _resolve(match["path"], line_loc, include_dir, errors):
                if not (os.path.realpath(target) + "/").startswith(home):
                    errors.append(
                        ConfigError(
                            f"include {match['path']!r} reaches {target}, outside {home.rstrip('/')}",
                            line_loc,
                            hint="a namespace's ruleset includes only files of its own /etc/netns/NAME/",
                        )
                    )
                else:
                    _scan(target, line_loc, home, include_dir, (*stack, real), errors)


def _resolve(written: str, loc: Loc, include_dir: str, errors: list[ConfigError]) -> list[str]:
    """The files an `include` statement names (a glob that matches none: none)."""
    if written.startswith("./") or written.startswith("../"):
        errors.append(
            ConfigError(
                f"include {written!r} depends on nft's working directory",
                loc,
                hint="write an absolute path, or one relative to /etc",
            )
        )
        return []
    path = written if written.startswith("/") else f"{include_dir}/{written}"
    if glob.has_magic(path):
        return sorted(glob.glob(path))
    return [path]


def check_argv(path: str) -> tuple[str, ...]:
    """nft's own check of PATH, changing nothing, in a fresh network namespace like the one start loads it into."""
    return ("unshare", "--net", NFT, "-c", "-f", path)


def validate(path: str, query: Callable[[tuple[str, ...]], str]) -> list[ConfigError]:
    """nft's errors for PATH, each with the file and line nft gives."""
    try:
        query(check_argv(path))
    except CommandFailed as e:
        return parse_errors(re.sub(r"^exit code \d+: ", "", e.message), Loc(path, 1))
    return []


def parse_errors(output: str, fallback: Loc) -> list[ConfigError]:
    errors = [
        ConfigError(f"nft: {m['message'].strip()}", Loc(m["path"], int(m["line"]))) for m in _ERROR_RE.finditer(output)
    ]
    if errors:
        return errors
    first = output.strip().splitlines()[0] if output.strip() else "(no output)"
    return [
        ConfigError(
            f"cannot check the ruleset with nft: {first}",
            fallback,
            hint="install nftables (apt install nftables)" if "No such file" in output else None,
        )
    ]


def load(netns: str, path: str) -> Run:
    """Replace NETNS's ruleset with PATH's in one transaction: all of it, or (on any error) nothing."""
    return Run(("ip", "netns", "exec", netns, NFT, "-f", "-"), stdin=f'flush ruleset\ninclude "{path}"\n')


def flush(netns: str) -> Run:
    """Empty NETNS's ruleset."""
    return Run(("ip", "netns", "exec", netns, NFT, "flush", "ruleset"))
