# SPDX-License-Identifier: GPL-3.0-or-later
# The upgrade from the original implementation: a stand-in package with its name, version 0.25,
# files and units (guest/original-0.25, built here with dpkg-deb) replaces ours (purged by
# 99-purge); its admin's workflow runs (nginx through the symlinked drop-in, a collector instance
# enabled and running, scripts calling systemd-netns); then `apt install ./our.deb` over it, as an
# upgrade. preinst stops and disables the collector and removes its file, postinst enables the
# metrics timer and says so. Then the guest reboots: 99-upgrade-2-after-reboot checks the boot.
. /usr/local/lib/netns-system-test/lib.sh

lib=/usr/local/lib/netns-system-test
textfiles=/var/lib/prometheus/node-exporter
dpkg-deb --root-owner-group --build "$lib/original-0.25" "$STATE/original.deb"
dpkg -i "$STATE/original.deb"
[ "$(dpkg-query -W -f='${Version}' systemd-netns-helper)" = 0.25 ]
[ -L /etc/systemd/system/nginx.service.d/netns.conf ]   # scenario 1's, kept by the purge
systemctl daemon-reload
may_start nginx.service
systemctl restart nginx.service
in_netns nginx.service nginx
wait_for http_get http://192.0.2.2/ > /dev/null
systemctl enable --now prometheus-netns-collector@nginx.service
wait_for grep -Fx 'node_network_up{netns="nginx",device="eth1"} 1' "$textfiles/netns_nginx.prom"

version=$(dpkg-deb -f "$lib/systemd-netns-helper.deb" Version)
dpkg --compare-versions "$version" gt 0.25
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$lib/systemd-netns-helper.deb" > "$STATE/upgrade.log" 2>&1 ||
    { cat "$STATE/upgrade.log"; exit 1; }
cat "$STATE/upgrade.log"
grep -F "Unpacking systemd-netns-helper ($version) over (0.25)" "$STATE/upgrade.log"
grep -F 'prometheus-netns-collector@nginx.service (of version 0.25) is stopped and disabled' "$STATE/upgrade.log"
[ "$(grep -c 'prometheus-netns-collector@' "$STATE/upgrade.log")" = 1 ]    # nginx's only
not grep -F 'not starting it' "$STATE/upgrade.log"
grep -F 'netns-helper-metrics.timer, now enabled' "$STATE/upgrade.log"
[ "$(dpkg-query -W -f='${Version}' systemd-netns-helper)" = "$version" ]
not unit_is prometheus-netns-collector@nginx.service active
[ ! -e /usr/sbin/prometheus-netns-collector ]
[ ! -e /usr/lib/systemd/system/prometheus-netns-collector@.service ]
[ -z "$(find /etc/systemd/system -name 'prometheus-netns-collector@*')" ]
[ ! -e "$textfiles/netns_nginx.prom" ]
[ ! -e /var/lib/systemd-netns-helper ]
unit_is netns-helper-metrics.timer active
[ -L /etc/systemd/system/timers.target.wants/netns-helper-metrics.timer ]
[ "$(readlink /usr/sbin/systemd-netns)" = netns-helper ]
# nginx still runs in the namespace the original built; the reboot puts it in one of ours.
in_netns nginx.service nginx
systemctl is-enabled nginx.service
cat /proc/sys/kernel/random/boot_id > /var/lib/netns-system-test/boot-id
touch /var/lib/netns-system-test/reboot
