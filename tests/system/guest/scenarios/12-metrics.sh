# SPDX-License-Identifier: GPL-3.0-or-later
# netns-helper-metrics.timer writes the node-exporter textfile: counters of nginx's eth1 after
# some traffic, its processes; the host side parses the copy in the results with prometheus_client.
. /usr/local/lib/netns-system-test/lib.sh

dir=/var/lib/prometheus/node-exporter
mkdir -p "$dir"
chown nobody:nogroup "$dir"                  # node-exporter's own, not root's
wait_for http_get http://192.0.2.2/ > /dev/null
exit_status 2 netns-helper metrics --textfile-dir=/nonexistent

systemctl enable --now netns-helper-metrics.timer
wait_for test -s "$dir/netns_helper.prom"
unit_is netns-helper-metrics.timer active
not systemctl is-failed netns-helper-metrics.service
cp "$dir/netns_helper.prom" /results/netns_helper.prom
cat "$dir/netns_helper.prom"
[ "$(ls -A "$dir")" = netns_helper.prom ]   # no temporary file left

grep -E '^netns_helper_link_rx_bytes_total\{netns="nginx",link="eth1"\} [1-9][0-9]*$' "$dir/netns_helper.prom"
grep -E '^netns_helper_link_up\{netns="nginx",link="eth1"\} 1$' "$dir/netns_helper.prom"
grep -E '^netns_helper_namespace_running\{netns="nginx"\} 1$' "$dir/netns_helper.prom"
processes=$(sed -n 's/^netns_helper_processes{netns="nginx"} //p' "$dir/netns_helper.prom")
[ "$processes" = "$(ip netns pids nginx | wc -l)" ]
[ "$processes" -ge 2 ]
# Every line is a comment or NAME{LABELS} VALUE.
not grep -vE '^(# (HELP|TYPE) (netns_helper|node_network)_[a-z_]+ .+|(netns_helper|node_network)_[a-z_]+\{[^}]*\} [0-9]+)$' \
    "$dir/netns_helper.prom"
