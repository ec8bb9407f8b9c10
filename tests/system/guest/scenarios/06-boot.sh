# SPDX-License-Identifier: GPL-3.0-or-later
# An enabled service whose drop-in was set up before boot (06-boot.prepare) runs in its
# namespace (NIC eth3; its peer3 203.0.113.1/24 stays in the root namespace) after boot.
. /usr/local/lib/netns-system-test/lib.sh

unit_is bootsvc.service active
unit_is systemd-netns@bootsvc.service active
in_netns bootsvc.service bootsvc
ip -n bootsvc address show eth3 | grep 'inet 203\.0\.113\.2/24'
wait_for http_get http://203.0.113.2:8003/ > /dev/null
not listens 8003
