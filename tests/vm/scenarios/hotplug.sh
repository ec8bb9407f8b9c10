# SPDX-License-Identifier: GPL-3.0-or-later
# Hot-plug through the real udev: a dummy link created after the namespace started is moved
# in by 79-netns-helper.rules and configured by netns-helper-hotplug@hp0.service; the host,
# whose own configuration (carelessly) says `allow-hotplug hp0` too, never configures it.
# Deleted inside the namespace, where only the unit's watch hears of it: the unit stops and
# ifupdown's state there is cleared. Plugged in again: configured again. Stopping the unit
# takes it out of ifupdown inside; stopping the namespace returns it and ends the unit. An
# unclaimed device stays on the host, untouched.
. /usr/local/lib/vmtest/lib.sh

cleanup() {
    no_netns hotplug || netns-helper stop hotplug
    systemctl stop netns-helper-hotplug@hp0.service
    ip link delete hp0 2>/dev/null
    ip link delete stray0 2>/dev/null
    rm -rf /etc/netns/hotplug /etc/network/interfaces.d/vmtest-hp0
}

host_state() { ifquery --state hp0 2>/dev/null; }
inside_state() { cat /run/network/netns/hotplug/ifstate.hp0 2>/dev/null; }
unit_state() { systemctl show -P ActiveState netns-helper-hotplug@hp0.service; }
# The namespace's ifupdown has hp0 up, with its address, and the unit ran it (and watches).
configured_inside() {
    [ "$(inside_state)" = hp0 ] && has_addr hotplug hp0 198.51.100.2/24 &&
        link_is hotplug hp0 'any(.flags[]; . == "UP")' &&
        [ "$(unit_state)" = active ]
}

check "the rule is installed where udev reads it" test -f /usr/lib/udev/rules.d/79-netns-helper.rules
put /etc/network/interfaces.d/vmtest-hp0 <<'CONF'
allow-hotplug hp0
iface hp0 inet static
    address 203.0.113.9/24
CONF
put /etc/netns/hotplug/network/interfaces <<'CONF'
auto lo
iface lo inet loopback

allow-hotplug hp0
iface hp0 inet static
    address 198.51.100.2/24
CONF
run udevadm control --reload
run netns-helper --verbose start hotplug
check "no hp0 in hotplug before it is plugged in" no_link hotplug hp0

run ip link add hp0 type dummy
run udevadm settle
check "hp0 is moved in and configured by netns-helper-hotplug@hp0.service" wait_until 30 configured_inside
check "no hp0 on the host" no_link root hp0
check "the host's ifupdown has no state for hp0" test -z "$(host_state)"
check "no host address 203.0.113.9 anywhere" sh -c '! ip -o addr show | grep -q 203.0.113.9'
run journalctl -q -b -u netns-helper-hotplug@hp0.service --no-pager

# Waited for: the unit's main process joins the namespace a moment after systemd forked it.
watch_inside() { ip netns pids hotplug | grep -qx "$(systemctl show -P MainPID netns-helper-hotplug@hp0.service)"; }
check "the unit's watch runs inside hotplug" wait_until 30 watch_inside

# Unplugged inside: the host's udev hears nothing (the kernel tells only that namespace);
# the unit's watch does, and the unit stops, clearing ifupdown's state there.
run ip -n hotplug link delete hp0
gone_inside() { [ "$(unit_state)" = inactive ] && [ -z "$(inside_state)" ]; }
check "deleted inside: the unit stops and ifupdown's state inside is cleared" wait_until 30 gone_inside
run journalctl -q -b -u netns-helper-hotplug@hp0.service --no-pager -n 8
started=$(systemctl show -P ExecMainStartTimestampMonotonic netns-helper-hotplug@hp0.service)
run ip link add hp0 type dummy
run udevadm settle
restarted() {
    [ "$(systemctl show -P ExecMainStartTimestampMonotonic netns-helper-hotplug@hp0.service)" != "$started" ] &&
        configured_inside
}
check "the new hp0 is moved in and configured by the unit again" wait_until 30 restarted
check "no hp0 on the host after the second plug" no_link root hp0

run systemctl stop netns-helper-hotplug@hp0.service
check "stopping the unit takes hp0 out of ifupdown inside" test -z "$(inside_state)"
check "hp0 stays in hotplug" link_is hotplug hp0
run systemctl start netns-helper-hotplug@hp0.service
check "starting it again brings hp0 up inside" configured_inside

run ip link add stray0 type dummy
run udevadm settle
check "an unclaimed stray0 stays on the host" link_is root stray0
check "and is not in hotplug" no_link hotplug stray0
check "no unit for stray0" test "$(systemctl show -P ActiveState netns-helper-hotplug@stray0.service)" = inactive
run ip link delete stray0

run netns-helper --verbose stop hotplug
check "no namespace hotplug after stop" no_netns hotplug
unit_inactive() { [ "$(unit_state)" = inactive ]; }
check "stop ended the unit's watch, and the unit" wait_until 30 unit_inactive
check "stop returned hp0 to the host" link_is root hp0
check "no ifupdown state left for hotplug" test ! -e /run/network/netns/hotplug
run ip link delete hp0
