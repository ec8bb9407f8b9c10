# SPDX-License-Identifier: GPL-3.0-or-later
"""The bash completion script, generated from the command table (`make completion`).

The shipped file, share/bash-completion/netns-helper, is this module's output; a unit test
fails when the two differ, so commands and options are never copied by hand.
Each command's operands come from its usage text (`SERVICE2 SERVICE1`, `add|remove IFACE`):
what a word names decides what completes it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .args import _SHORT, GLOBAL_FLAGS, Command

# What an operand word of a usage text completes to: a function of the script.
_KINDS = {
    "NAME": "_netns_helper_namespaces",
    "SERVICE": "_netns_helper_services",
    "SERVICE1": "_netns_helper_namespaces",  # the service that names the namespace
    "SERVICE2": "_netns_helper_services",
    "IFACE": "_netns_helper_ifaces",
    "ADDRESS:PORT": "",  # publish: a port of the host's, any the admin picks
    "TARGET:PORT": "",
}
# disable undoes enable or join: only services that have one of our drop-ins; unpublish undoes
# publish: only ports it published.
_OVERRIDES = {("disable", 0): "_netns_helper_bound", ("unpublish", 1): "_netns_helper_published"}


def operand_kinds(command: Command) -> tuple[tuple[str, ...], bool]:
    """For each operand position, its completion (a function name or `=word word`); whether the last repeats."""
    words = command.operands.replace("[", "").replace("]", "").split()
    repeats = bool(words) and words[-1] == "..."
    words = [w for w in words if w != "..."]
    kinds = []
    for position, word in enumerate(words):
        if "|" in word:
            kinds.append("=" + " ".join(word.split("|")))
        else:
            kinds.append(_OVERRIDES.get((command.name, position), _KINDS[word]))
    return tuple(kinds), repeats


_HEAD = r"""# bash completion for netns-helper(8)                            -*- shell-script -*-
# Generated from netns_helper/usage.py's command table by `make completion`: do not edit.
# Completes commands, each command's options, namespace names (/etc/netns, /run/netns),
# services (enable, join, disable, publish), published ports (unpublish) and network interfaces (hotplug).

_netns_helper_root=${NETNS_HELPER_ROOT:-}  # tests only, as for netns-helper itself

_netns_helper_namespaces() {
    local d
    for d in "$_netns_helper_root"/etc/netns/*/network/interfaces "$_netns_helper_root"/run/netns/*; do
        [[ -e $d ]] || continue
        d=${d%/network/interfaces}
        printf '%s\n' "${d##*/}"
    done | sort -u
}

_netns_helper_services() {
    systemctl list-unit-files --type=service --no-legend --no-pager 2>/dev/null |
        while read -r unit _; do
            [[ $unit == *@.service ]] || printf '%s\n' "${unit%.service}"
        done
}

_netns_helper_bound() {
    local f
    for f in "$_netns_helper_root"/etc/systemd/system/*.service.d/netns.conf; do
        [[ -e $f || -L $f ]] || continue
        f=${f%.service.d/netns.conf}
        printf '%s\n' "${f##*/}"
    done
}

_netns_helper_published() {
    local f
    for f in "$_netns_helper_root"/etc/systemd/system/netns-publish-*.socket; do
        [[ -e $f ]] || continue
        f=${f%.socket}
        printf '%s\n' "${f##*-}"
    done
}

_netns_helper_ifaces() {
    local d
    for d in /sys/class/net/*; do
        [[ -e $d ]] && printf '%s\n' "${d##*/}"
    done
}

_netns_helper() {
    local cur=${COMP_WORDS[COMP_CWORD]} command= position=0 i word
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        # `--option=VALUE` is three words: bash breaks words at `=`.
        [[ $word == = ]] && { i=$((i + 1)); continue; }
        [[ $word == -* ]] && continue
        if [[ -z $command ]]; then
            command=$word
        else
            position=$((position + 1))
        fi
    done
    local options=__GLOBAL__ kind=
    case $command in
"""

_TAIL = r"""    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    case $kind in
        '') COMPREPLY=() ;;
        =*) COMPREPLY=($(compgen -W "${kind#=}" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "$($kind)" -- "$cur")) ;;
    esac
}

complete -F _netns_helper netns-helper
"""


def _case(command: Command) -> str:
    options = [flag for flag, _ in command.flags] + [f"{option}=" for option, _, _ in command.options]
    kinds, repeats = operand_kinds(command)
    lines = [f"        {command.name})"]
    if options:
        lines.append(f'            options+=" {" ".join(options)}"')
    if kinds:
        arms = [f"{i}) kind={_quote(kind)} ;;" for i, kind in enumerate(kinds)]
        last = f"*) kind={_quote(kinds[-1])} ;;" if repeats else ""
        lines.append(f"            case $position in {' '.join(arms)} {last}".rstrip() + " esac")
    lines.append("            ;;")
    return "\n".join(lines) + "\n"


def _quote(word: str) -> str:
    return f"'{word}'" if " " in word or "|" in word else word


def bash(commands: Sequence[Command]) -> str:
    flags = sorted(GLOBAL_FLAGS) + sorted(_SHORT)
    head = _HEAD.replace("__GLOBAL__", f'"{" ".join(flags)}"')
    names = " ".join(c.name for c in commands)
    top = f'        "") kind={_quote("=" + names)} ;;\n'
    return head + top + "".join(_case(c) for c in commands) + _TAIL


if __name__ == "__main__":
    from .usage import COMMANDS

    sys.stdout.write(bash(COMMANDS))
