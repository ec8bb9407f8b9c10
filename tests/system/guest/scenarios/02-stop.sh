# SPDX-License-Identifier: GPL-3.0-or-later
# Stopping nginx (scenario 1) tears its namespace down and gives eth1 back.
. /usr/local/lib/netns-system-test/lib.sh

# systemctl waits for nginx to stop; the namespace unit stops right after it.
systemctl stop nginx.service
wait_for unit_is systemd-netns@nginx.service inactive

ip link show eth1
[ ! -e /run/netns/nginx ]
[ ! -e /run/network/netns/nginx ]
snapshot "$STATE/after-nginx"
diff "$STATE/before-nginx" "$STATE/after-nginx"
