# SPDX-License-Identifier: GPL-3.0-or-later
# `netns-helper enable --now nginx`: the drop-in, a reload and a restart in one command; then
# `status --json` shows nginx healthy, with its processes.
. /usr/local/lib/netns-system-test/lib.sh

exit_status 2 netns-helper enable nosuch 2> "$STATE/enable-nosuch"
grep -F '/etc/netns/nosuch/network/interfaces: no such file' "$STATE/enable-nosuch"
[ ! -e /etc/systemd/system/nosuch.service.d ]

netns-helper --print-commands enable --now nginx
may_start nginx.service systemd-netns@nginx.service
netns-helper enable --now nginx
[ "$(readlink /etc/systemd/system/nginx.service.d/netns.conf)" = /usr/share/systemd-netns-helper/netns.conf ]
unit_is systemd-netns@nginx.service active
in_netns nginx.service nginx
wait_for http_get http://192.0.2.2/ | grep -i nginx
not listens 80
netns-helper enable nginx 2> "$STATE/enable-again"   # again: nothing to change
grep -F 'in place already' "$STATE/enable-again"

netns-helper status nginx
netns-helper status --json nginx > "$STATE/status.json"
ip netns pids nginx > "$STATE/pids"
python3 - "$STATE/status.json" "$STATE/pids" <<'END'
import json, sys
status = json.load(open(sys.argv[1]))
pids = sorted(int(p) for p in open(sys.argv[2]).read().split())
(ns,) = status["namespaces"]
assert status["ok"] and ns["ok"] and not ns["problems"], ns["problems"]
assert ns["name"] == "nginx" and ns["running"], ns
assert (ns["unit"]["name"], ns["unit"]["active"]) == ("systemd-netns@nginx.service", "active"), ns["unit"]
(service,) = ns["services"]
assert (service["unit"]["name"], service["unit"]["active"]) == ("nginx.service", "active"), service
assert service["dropin"] == "/etc/systemd/system/nginx.service.d/netns.conf", service
assert len(pids) >= 2 and sorted(ns["pids"]) == pids, (ns["pids"], pids)
assert service["unit"]["main_pid"] in ns["pids"], service
links = {link["name"]: link for link in ns["links"]}
assert links["eth1"]["state"] == "UP" and "192.0.2.2/24" in links["eth1"]["addresses"], links
END

# Every namespace: scenario 4's broken one has a failed unit, so status exits 1 and says why.
exit_status 1 netns-helper status > "$STATE/status-all"
cat "$STATE/status-all"
grep -E '^broken: .*problem' "$STATE/status-all"
grep -F 'systemd-netns@broken.service failed' "$STATE/status-all"
grep -E '^service1: running, ok' "$STATE/status-all"
grep -E 'service +service2.service: active' "$STATE/status-all"
