# SPDX-License-Identifier: GPL-3.0-or-later
# A bridge of two host NICs (`bridge_ports eth5 eth6`): start moves both in and
# bridge-utils' ifupdown hook builds br0 inside the namespace; stop gives the NICs back.
. /usr/local/lib/vmtest/lib.sh

check_members bridgetest br0 bridge 192.0.2.20/24 eth5 eth6 -- 'bridge_ports eth5 eth6' 'bridge_stp off' 'bridge_fd 0'
