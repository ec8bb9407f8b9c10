"""Golden plans: each a POSIX sh script, as --print-commands prints it; UPDATE_GOLDEN=1 rewrites them."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from netns_helper.commands import Plan, script

GOLDEN = Path(__file__).parent

# The spec's xfrm example, verbatim.
SPEC_XFRM = """\
[ipsec0]
IfId=17
DestNetNS=tunnel
Prefixes=10.143.12.0/24

[ipsec1]
IfId=18
DestNetNS=tunnel2
UnderlayDev=ens5
Prefixes=10.143.14.0/23, 10.143.18.0/27
BlockP2P=true
"""


def check_golden(name: str, plan: Plan) -> str:
    """PLAN's script must equal golden NAME.sh (rewritten after review with UPDATE_GOLDEN=1)."""
    text = script([plan])
    path = GOLDEN / f"{name}.sh"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"plan differs from {path}; UPDATE_GOLDEN=1 rewrites it after review"
    subprocess.run(["sh", "-n", str(path)], check=True)  # every golden plan is valid sh
    return text
