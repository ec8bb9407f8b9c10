# SPDX-License-Identifier: GPL-3.0-or-later
# The rule of which sysctl keys a namespace may set (netns_helper.sysctls.problem), against
# Debian's own kernel: no key a fresh network namespace has, writable, is refused. A key the
# rule allows that this kernel keeps global (one a newer kernel made per namespace) is listed:
# the namespace has no such file (or a read-only one), so setting it fails and start is
# undone. Read-only: this host's /proc/sys/net and a throwaway namespace's.
. /usr/local/lib/vmtest/lib.sh

put /tmp/sysctl_rule.py <<'EOF_PY'
import os, subprocess, sys
from netns_helper.errors import Loc
from netns_helper.sysctls import Setting, problem

WALK = (
    "import os\n"
    "for d, _, fs in os.walk('/proc/sys/net'):\n"
    "    for f in fs:\n"
    "        p = os.path.join(d, f); print(p[10:].replace('/', '.'), int(bool(os.stat(p).st_mode & 0o200)))\n"
)

def keys(fresh):
    argv = (["unshare", "--net"] if fresh else []) + [sys.executable, "-c", WALK]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return {k: w == "1" for k, w in (line.rsplit(" ", 1) for line in out.splitlines())}

here, fresh = keys(False), keys(True)
devices = set(os.listdir("/sys/class/net")) - {"lo"}
wrong, older = [], []
for key, writable in sorted(here.items()):
    parts = key.split(".")
    if not writable or (len(parts) == 5 and parts[2] in ("conf", "neigh") and parts[3] in devices):
        continue
    refused = problem(Setting(key, tuple(parts), "0", Loc("sysctl.conf", 1))) is not None
    if refused and fresh.get(key, False):
        wrong.append(f"{key}: refused, but per namespace on this kernel")
    elif not refused and not fresh.get(key, False):
        older.append(key)
print(f"{len(here)} keys here, {len(fresh)} in a fresh namespace, Linux {os.uname().release}")
print("allowed, global on this kernel (setting one fails inside):", " ".join(older) or "none")
print("\n".join(wrong) or "no per-namespace key is refused")
sys.exit(1 if wrong else 0)
EOF_PY
run python3 /tmp/sysctl_rule.py   # prints the keys this kernel keeps global that the rule allows
