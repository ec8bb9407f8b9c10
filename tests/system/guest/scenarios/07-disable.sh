# SPDX-License-Identifier: GPL-3.0-or-later
# `netns-helper disable nginx` removes the README's drop-in of scenario 1 (a symlink to the
# packaged netns.conf is netns-helper's own): nginx is the unit it was before, in the root
# namespace, and its namespace is gone with eth1 back.
. /usr/local/lib/netns-system-test/lib.sh

netns-helper --print-commands disable nginx
netns-helper disable nginx
[ ! -e /etc/systemd/system/nginx.service.d ]
[ -z "$(systemctl show --property=DropInPaths --value nginx.service)" ]
netns-helper disable nginx          # nothing left to do: succeeds

# A restart would rebuild the namespace too (PartOf=): stop, then start, as the note says.
may_start nginx.service systemd-netns@nginx.service
systemctl stop nginx.service
systemctl start nginx.service
wait_for unit_is systemd-netns@nginx.service inactive
[ ! -e /run/netns/nginx ]
ip link show eth1
in_root_netns nginx.service
wait_for listens 80
