# SPDX-License-Identifier: GPL-3.0-or-later
# Last: `apt purge` leaves nothing of the package, and no link of its enabled timer (scenario
# 12). What the admin does first: stop the namespaces, whose units run the package's files.
. /usr/local/lib/netns-system-test/lib.sh

dpkg -L systemd-netns-helper > "$STATE/package-files"
[ -L /etc/systemd/system/timers.target.wants/netns-helper-metrics.timer ]   # enabled in scenario 12
systemctl stop 'systemd-netns@*.service'
ls /run/netns
[ -z "$(ls /run/netns)" ]

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q systemd-netns-helper
status=$(dpkg-query -W -f='${Status}' systemd-netns-helper 2> /dev/null || true)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ]
not unit_is netns-helper-metrics.timer active
link=/etc/systemd/system/timers.target.wants/netns-helper-metrics.timer
[ ! -L "$link" ]
[ ! -e /usr/lib/python3/dist-packages/netns_helper ]    # with the bytecode compiled at install
[ ! -e /usr/share/systemd-netns-helper ]
# What is still there of the package's paths are directories of other packages (/usr, ...).
while read -r path; do
    [ "$path" != /. ] || continue
    if [ -e "$path" ]; then
        dpkg -S "$path" > /dev/null
    fi
done < "$STATE/package-files"
