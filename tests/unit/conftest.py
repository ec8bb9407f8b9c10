# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tier.

The Debian package build also runs this tier (debian/rules), with Debian's python3-pytest and
nothing else: there, modules that need the venv's test tools are not collected. (Not skipped:
under CI=true a skipped test fails the run.)

Property tests run few examples by default, for a quick edit-test loop, and ten times as many
under CI=true.
"""

from __future__ import annotations

import importlib.util
import os

collect_ignore = [] if importlib.util.find_spec("hypothesis") else ["test_properties.py", "test_shapes.py"]

if not collect_ignore:
    from hypothesis import HealthCheck, settings

    # No deadline: an example's time depends on the machine's load (two cores, shared), not on us.
    _COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("ci", _COMMON, max_examples=200)
    settings.register_profile("quick", _COMMON, max_examples=20)
    settings.load_profile("ci" if os.environ.get("CI") == "true" else "quick")
