# SPDX-License-Identifier: GPL-3.0-or-later
"""The Debian releases that tiers 4 (nspawn) and 5 (qemu) boot: every scenario runs on each.

NETNS_RELEASES="trixie" boots only those (a quicker run while working on one release).
"""

from __future__ import annotations

import os

ALL = ("bookworm", "trixie")
RELEASES = tuple(os.environ.get("NETNS_RELEASES", " ".join(ALL)).split())
