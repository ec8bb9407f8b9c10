# SPDX-License-Identifier: GPL-3.0-or-later
# Why the template unit has no PrivateTmp=, ProtectHome=, ProtectSystem= or the like: each gives
# the unit a mount namespace of its own, where `ip netns add` mounts /run/netns/NAME out of the
# sight of systemd and of the service that is to join it. probe, on a NIC of its own (eth8),
# runs in its namespace with the unit as shipped, and fails to with PrivateTmp=yes added.
. /usr/local/lib/netns-system-test/lib.sh

ip link add eth8 type veth peer name peer8
ip address add 100.64.8.1/24 dev peer8
ip link set peer8 up
write_interfaces probe eth8 100.64.8.2/24
netns-helper enable --now probe
in_netns probe.service probe
wait_for http_get http://100.64.8.2:8006/ > /dev/null
systemctl stop probe.service
wait_for unit_is systemd-netns@probe.service inactive

mkdir /etc/systemd/system/systemd-netns@probe.service.d
printf '[Service]\nPrivateTmp=yes\n' > /etc/systemd/system/systemd-netns@probe.service.d/private.conf
systemctl daemon-reload
may_start probe.service systemd-netns@probe.service
systemctl start probe.service || true   # Type=simple: the failure may come after "started"
wait_for unit_is probe.service failed
# Logged by probe's process as it fails to join, before it has a unit in journald's eyes.
wait_for logged_anywhere 'Failed to open network namespace path /run/netns/probe'
unit_is systemd-netns@probe.service active   # what the unit did is right, where nobody sees it

# Clean up what the broken setup left: the namespace died with the unit's mount namespace, and
# the veth pair with it; /run/netns/probe is an empty file.
rm -r /etc/systemd/system/systemd-netns@probe.service.d
netns-helper disable probe
systemctl stop systemd-netns@probe.service || true
systemctl reset-failed probe.service systemd-netns@probe.service || true
rm -f /run/netns/probe
rm -rf /run/network/netns/probe /etc/netns/probe
ip link delete peer8 2> /dev/null || true
