# SPDX-License-Identifier: GPL-3.0-or-later
# A host running systemd-networkd, whose .network file matching eth* manages the admin NIC
# (eth5, by DHCP), beside networkd's own files in /usr/lib/systemd/network: a namespace's NIC
# (eth6, matched too: `check` warns) is configured once in the namespace and given back on stop;
# the namespace's veth host end is not taken over; the admin NIC is untouched (see
# on_managed_host in lib.sh).
. /usr/local/lib/netns-system-test/lib.sh

# The test NICs of the other scenarios are not the admin's: networkd leaves them alone.
manager_start() {
    cat > /etc/systemd/network/10-test-nics.network <<END
[Match]
Name=eth1 eth2 eth3

[Link]
Unmanaged=yes
END
    cat > /etc/systemd/network/50-eth.network <<END
[Match]
Name=eth*

[Network]
DHCP=ipv4
END
    ls /usr/lib/systemd/network/
    systemctl enable --now systemd-networkd.service
}
manager_stop() {
    systemctl disable --now systemd-networkd.service systemd-networkd.socket
    rm -f /etc/systemd/network/10-test-nics.network /etc/systemd/network/50-eth.network
}
# networkctl's SETUP column: unmanaged, or pending, configuring, configured...
manages() {
    setup=$(networkctl list --no-legend --no-pager | awk -v dev="$1" '$2 == dev { print $5 }')
    echo "$1: ${setup:-not seen}"
    [ -n "$setup" ] && [ "$setup" != unmanaged ]
}
on_managed_host systemd-networkd
# Gone for the scenarios after this one, and for the reboot of the upgrade scenarios.
unit_is systemd-networkd.service inactive
not systemctl --quiet is-enabled systemd-networkd.service
