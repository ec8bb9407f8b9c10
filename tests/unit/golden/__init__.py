# SPDX-License-Identifier: GPL-3.0-or-later
"""Golden plans: each a POSIX sh script, as --print-commands prints it; UPDATE_GOLDEN=1 rewrites them.

The end_processes() helper that a script with an EndProcesses step carries is left out of the
golden files: it is the same in every script, and tests/unit/test_golden.py tests it once.
"""

from __future__ import annotations

import os
from pathlib import Path

from netns_helper.commands import END_PROCESSES_SH, EndProcesses, Plan, script
from tests.examples import SPEC_XFRM as SPEC_XFRM

GOLDEN = Path(__file__).parent


def without_helper(text: str, plan: Plan) -> str:
    """TEXT, script([PLAN]), without the end_processes() helper, which it has exactly when PLAN needs it."""
    needed = any(isinstance(step.action, EndProcesses) for step in plan.steps)
    assert text.count(END_PROCESSES_SH + "\n") == needed, text
    return text.replace(END_PROCESSES_SH + "\n", "")


def check_golden(name: str, plan: Plan) -> str:
    """PLAN's script must equal golden NAME.sh (rewritten after review with UPDATE_GOLDEN=1).

    Every golden file is valid sh: test_golden.py runs `sh -n` on them all.
    """
    text = without_helper(script([plan]), plan)
    path = GOLDEN / f"{name}.sh"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"plan differs from {path}; UPDATE_GOLDEN=1 rewrites it after review"
    return text
