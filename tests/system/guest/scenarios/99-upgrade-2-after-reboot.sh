# SPDX-License-Identifier: GPL-3.0-or-later
# After the upgrade of 99-upgrade-1-from-0.25 and a reboot: nginx runs in its namespace, built
# by this package's unit through the admin's unchanged drop-in symlink; the old collector left
# no unit, link, failure or journal line; the metrics timer writes node_exporter's series of
# the namespace; the original's command, `systemd-netns start|stop NAME`, still works.
. /usr/local/lib/netns-system-test/lib.sh

textfiles=/var/lib/prometheus/node-exporter
[ "$(cat /proc/sys/kernel/random/boot_id)" != "$(cat /var/lib/netns-system-test/boot-id)" ]
unit_is systemd-netns@nginx.service active
in_netns nginx.service nginx
wait_for http_get http://192.0.2.2/ > /dev/null
logged systemd-netns@nginx.service 'netns-helper\[[0-9]+\]: \+ ip netns add nginx'
systemctl list-units --failed --plain --no-legend > "$STATE/failed"
cat "$STATE/failed"
[ ! -s "$STATE/failed" ]
[ -z "$(systemctl list-units --all --plain --no-legend 'prometheus-netns-collector@*')" ]
not logged_this_boot prometheus-netns-collector
unit_is netns-helper-metrics.timer active
systemctl start netns-helper-metrics.service    # now: the timer's first run may predate nginx's eth1
grep -E '^node_network_up\{netns="nginx",device="eth1"\} 1$' "$textfiles/netns_helper.prom"
[ ! -e "$textfiles/netns_nginx.prom" ]

# The original's command, as the admins' scripts call it.
systemctl stop nginx.service
wait_for unit_is systemd-netns@nginx.service inactive
[ ! -e /run/netns/nginx ]
systemd-netns start nginx
ip -n nginx -o address show dev eth1 | grep -F 192.0.2.2/24
systemd-netns stop nginx
[ ! -e /run/netns/nginx ]
ip link show dev eth1
may_start nginx.service systemd-netns@nginx.service
systemctl start nginx.service
in_netns nginx.service nginx
