"""Unit tier.

The Debian package build also runs this tier (debian/rules), with Debian's python3-pytest and
nothing else: there, modules that need the venv's test tools are not collected. (Not skipped:
under CI=true a skipped test fails the run.)
"""

from __future__ import annotations

import importlib.util

collect_ignore = [] if importlib.util.find_spec("hypothesis") else ["test_properties.py"]
