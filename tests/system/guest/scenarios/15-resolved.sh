# SPDX-License-Identifier: GPL-3.0-or-later
# A host running systemd-resolved (installed from the image's cache, purged at the end): a
# namespace whose DNS comes with its DHCP lease and one with `dns-nameservers` resolve with their
# own name server only (dnsmasq, which the host cannot reach); the host's resolved
# (`resolvectl`) and /etc/resolv.conf do not change.
. /usr/local/lib/netns-system-test/lib.sh

# What resolved is told, without the links that have nothing (the namespaces' host ends come
# and go), and the host's resolv.conf.
host_resolver() {
    unit_is systemd-resolved.service active
    resolvectl status > "$STATE/resolvectl-status"
    not grep -F 10.99.0 "$STATE/resolvectl-status"
    resolvectl dns | grep -v ': *$' || true
    resolvectl domain | grep -v ': *$' || true
    readlink /etc/resolv.conf
    cat /etc/resolv.conf
}
# Started by the package's postinst before dpkg's trigger let D-Bus know its bus name: resolvectl
# would find no resolved on the bus.
on_resolver_host resolved systemd-resolved.service
