# SPDX-License-Identifier: GPL-3.0-or-later
# web2 joins nginx's namespace with `netns-helper join --restart-with`, follows nginx into each
# new namespace, and leaves with `netns-helper disable`.
. /usr/local/lib/netns-system-test/lib.sh

netns-helper --print-commands join --restart-with web2 nginx
netns-helper join --restart-with web2 nginx
join_dropin nginx | cmp - /etc/systemd/system/web2.service.d/netns.conf
grep -Fx 'ExecStartPost=+/bin/systemctl restart web2' /etc/systemd/system/nginx.service.d/netns-restart-web2.conf

systemctl start web2.service
in_netns web2.service nginx
wait_for http_get http://192.0.2.2:8005/ > /dev/null
netns-helper status --json nginx > "$STATE/status.json"
python3 - "$STATE/status.json" <<'END'
import json, sys
(ns,) = json.load(open(sys.argv[1]))["namespaces"]
assert ns["ok"], ns["problems"]
assert [s["unit"]["name"] for s in ns["services"]] == ["nginx.service", "web2.service"], ns["services"]
END

# Restarting nginx builds a new namespace; the restart drop-in brings web2 into it.
old_pid=$(main_pid web2.service)
mark_netns nginx
may_start nginx.service systemd-netns@nginx.service
systemctl restart nginx.service
is_fresh nginx
unit_is web2.service active
[ "$(main_pid web2.service)" != "$old_pid" ]
in_netns web2.service nginx
wait_for http_get http://192.0.2.2:8005/ > /dev/null

netns-helper disable web2
[ ! -e /etc/systemd/system/web2.service.d ]
[ ! -e /etc/systemd/system/nginx.service.d/netns-restart-web2.conf ]
[ -L /etc/systemd/system/nginx.service.d/netns.conf ]
systemctl restart web2.service
in_root_netns web2.service
wait_for listens 8005
systemctl stop web2.service
in_netns nginx.service nginx
