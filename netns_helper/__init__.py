# SPDX-License-Identifier: GPL-3.0-or-later
"""netns-helper: run systemd services in network namespaces built from ifupdown config."""

__version__ = "1.0"
