# SPDX-License-Identifier: GPL-3.0-or-later
# A configuration naming a NIC that does not exist: the service does not start, the error
# names the file and line, and the root namespace is left as it was.
. /usr/local/lib/netns-system-test/lib.sh

write_interfaces broken eth9 192.0.2.99/24
use_netns broken
systemctl daemon-reload
snapshot "$STATE/before-broken"

not systemctl start broken.service
unit_is systemd-netns@broken.service failed
not unit_is broken.service active

where='/etc/netns/broken/network/interfaces:[0-9]+: '
wait_for logged systemd-netns@broken.service "$where"
systemctl status --full --no-pager --lines=50 systemd-netns@broken.service > "$STATE/status" || true
cat "$STATE/status"
grep -E "$where" "$STATE/status"

snapshot "$STATE/after-broken"
diff "$STATE/before-broken" "$STATE/after-broken"
