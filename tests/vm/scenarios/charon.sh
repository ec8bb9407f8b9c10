# SPDX-License-Identifier: GPL-3.0-or-later
# The guest is ready for the IPsec scenarios: strongSwan's charon-systemd starts (it is
# disabled at boot) and swanctl talks to it over its vici socket.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    systemctl stop strongswan.service
}

run systemctl start strongswan.service
check "strongswan.service is active" systemctl is-active strongswan.service
check "swanctl reaches charon" swanctl --stats
