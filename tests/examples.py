# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec's examples as the files under examples/ that an admin copies, so that every tier tests that text."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# /etc/netns/nginx/network/interfaces: nginx on eth0 (its stanza at line 7, the gateway at line 9).
SPEC_NGINX = (EXAMPLES / "nginx/interfaces").read_text()
# /etc/netns/strongswan/network/xfrm: ipsec0 into tunnel, ipsec1 (underlay ens5, BlockP2P) into tunnel2.
SPEC_XFRM = (EXAMPLES / "strongswan/xfrm").read_text()
# /etc/network/interfaces with a link-netns pair link0 (at line 5) - link1, and service1's end of it.
SPEC_LINKS_HOST = (EXAMPLES / "link-netns/interfaces").read_text()
SPEC_LINKS_SERVICE1 = (EXAMPLES / "link-netns/service1-interfaces").read_text()
# /etc/netns/vpn/network/interfaces of the README's WireGuard example: wg0 (its stanza at line 5), IPv4 and IPv6.
README_VPN = (EXAMPLES / "vpn/interfaces").read_text()
