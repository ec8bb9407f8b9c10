# SPDX-License-Identifier: GPL-3.0-or-later
# The project as `make install` put it in the guest: the command runs, systemd knows the
# namespace unit, and the drop-in is where the README says.
. /usr/local/lib/vmtest/lib.sh

check "netns-helper runs" netns-helper --help
check "systemd knows systemd-netns@.service" systemctl cat systemd-netns@probe.service
check "the drop-in is in /usr/share/systemd-netns-helper" \
    test -f /usr/share/systemd-netns-helper/netns.conf
