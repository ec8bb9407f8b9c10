# SPDX-License-Identifier: GPL-3.0-or-later
# Several services on the same interface (README): service2 joins service1's namespace
# (NIC eth2; its peer2 198.51.100.1/24 stays in the root namespace).
. /usr/local/lib/netns-system-test/lib.sh

write_interfaces service1 eth2 198.51.100.2/24
use_netns service1

mkdir /etc/systemd/system/service2.service.d
join_dropin service1 > /etc/systemd/system/service2.service.d/netns.conf
cat > /etc/systemd/system/service1.service.d/deps.conf <<END
[Service]
ExecStartPost=+/bin/systemctl restart service2
END

systemctl daemon-reload
systemctl start service1.service
systemctl start service2.service
in_netns service1.service service1
in_netns service2.service service1
wait_for http_get http://198.51.100.2:8001/
wait_for http_get http://198.51.100.2:8002/

# Restarting service1 builds a new namespace; deps.conf restarts service2 into it.
old_pid2=$(main_pid service2.service)
mark_netns service1
systemctl restart service1.service
is_fresh service1
unit_is service2.service active
[ "$(main_pid service2.service)" != "$old_pid2" ]
in_netns service1.service service1
in_netns service2.service service1
wait_for http_get http://198.51.100.2:8001/
wait_for http_get http://198.51.100.2:8002/
