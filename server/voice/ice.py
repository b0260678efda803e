"""ICE settings: which local addresses may become host candidates, and which STUN servers to use.

`FRONTDESK_ICE_HOSTS` works like Janus's `ice_enforce_list`: when set, host candidates are
gathered only on the listed addresses (127.0.0.1 included, which aioice otherwise skips). Unset,
every interface is used, as a deployment wants. aioice gathers through its public module-level
`get_host_addresses()`, so the list is applied there, once per process.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Sequence

import aioice.ice
from aiortc import RTCConfiguration, RTCIceServer

log = logging.getLogger(__name__)

_original_get_host_addresses: Callable[[bool, bool], list[str]] = aioice.ice.get_host_addresses


def enforce_host_addresses(allowed: Sequence[str]) -> None:
    """Limit aioice's host candidates to `allowed` (empty: restore every interface)."""
    if not allowed:
        setattr(aioice.ice, "get_host_addresses", _original_get_host_addresses)  # noqa: B010
        return
    parsed = [ipaddress.ip_address(a) for a in allowed]  # ValueError on a typo, at start-up

    def limited(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [
            str(a) for a in parsed
            if (a.version == 4 and use_ipv4) or (a.version == 6 and use_ipv6)
        ]

    setattr(aioice.ice, "get_host_addresses", limited)  # noqa: B010
    log.info("ICE host candidates limited to %s", ", ".join(map(str, parsed)))


def rtc_configuration(stun_servers: Sequence[str]) -> RTCConfiguration:
    """No STUN unless configured: aiortc's default Google STUN server is unreachable offline."""
    servers = [RTCIceServer(urls=url) for url in stun_servers]
    return RTCConfiguration(iceServers=servers)
