# SPDX-License-Identifier: GPL-3.0-or-later
# Debian's prometheus-node-exporter, its textfile collector on netns-helper's directory, scraped
# over HTTP on a loopback port: the series of nginx's namespace in node_exporter's own families
# (node_network_*{netns="nginx",device="eth1"}) beside node_exporter's series of the root
# namespace, no textfile error, no error gathering. The host side parses the scrape (results:
# node-exporter.txt) with prometheus_client.
. /usr/local/lib/netns-system-test/lib.sh

dir=/var/lib/prometheus/node-exporter
wait_for http_get http://192.0.2.2/ > /dev/null      # traffic on nginx's eth1
netns-helper metrics
systemd-run --unit=test-node-exporter --property=Type=exec /usr/bin/prometheus-node-exporter \
    --web.listen-address=127.0.0.1:9109 --collector.textfile.directory="$dir"
wait_for http_get http://127.0.0.1:9109/metrics > "$STATE/scrape"
sleep 0.5    # a second scrape: the first one may log nothing yet
http_get http://127.0.0.1:9109/metrics > "$STATE/scrape"
cp "$STATE/scrape" /results/node-exporter.txt
systemctl stop test-node-exporter.service
grep -E '^node_network_receive_bytes_total\{device="eth1",netns="nginx"\} [1-9][0-9.e+]*$' "$STATE/scrape"
grep -E '^node_network_transmit_packets_total\{device="eth1",netns="nginx"\} [1-9][0-9.e+]*$' "$STATE/scrape"
grep -E '^node_network_up\{device="eth1",netns="nginx"\} 1$' "$STATE/scrape"
grep -E '^node_network_mtu_bytes\{device="eth1",netns="nginx"\} 1500$' "$STATE/scrape"
grep -E '^node_network_info\{.*device="eth1",.*netns="nginx",operstate="up"\} 1$' "$STATE/scrape"
grep -E '^node_textfile_scrape_error 0$' "$STATE/scrape"
# node_exporter's own series of the root namespace are all still there: a HELP text of ours that
# differed from node_exporter's would have dropped them.
grep -E '^node_network_receive_bytes_total\{device="peer1"\} ' "$STATE/scrape"
grep -E '^node_network_up\{device="peer1"\} ' "$STATE/scrape"
grep -E '^netns_helper_processes\{netns="nginx"\} [1-9]' "$STATE/scrape"
not logged test-node-exporter.service 'error gathering metrics'
