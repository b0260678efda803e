"""ICE settings: which local addresses may become host candidates, and which STUN servers to use.

`FRONTDESK_ICE_HOSTS` works like Janus's `ice_enforce_list`: when set, host candidates are
gathered only on the listed addresses (127.0.0.1 included, which aioice otherwise skips). Unset,
every interface is used, as a deployment wants. aioice gathers through its public module-level
`get_host_addresses()`, so the list is applied there, once per process.

`stop_consent_after_late_connect()` mends an aioice 0.13 race: a peer connection closed while
its ICE checks are just completing (a guest who leaves as the call connects) lets `connect()`
resume after `close()` and start the consent-freshness task, which then loops every 5 s for
the life of the process (close() had cleared the pairs it would check, so it never gives up).
The soak bench found one such task per guest who left that way. The mend uses only aioice's
public `connect()` and `close()`: a connection closed while `connect()` ran is closed again
once `connect()` returns, which cancels the task.
"""

from __future__ import annotations

import ipaddress
import logging
import weakref
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


def stop_consent_after_late_connect() -> None:
    """Install the mend described above, once per process."""
    connection = aioice.ice.Connection
    if getattr(connection, "_frontdesk_mended", False):
        return
    original_connect, original_close = connection.connect, connection.close
    closed: weakref.WeakSet[aioice.ice.Connection] = weakref.WeakSet()

    async def connect(self: aioice.ice.Connection) -> None:
        await original_connect(self)
        if self in closed:  # closed while connecting: stop what connect() started after it
            await original_close(self)

    async def close(self: aioice.ice.Connection) -> None:
        closed.add(self)
        await original_close(self)

    setattr(connection, "connect", connect)  # noqa: B010
    setattr(connection, "close", close)  # noqa: B010
    setattr(connection, "_frontdesk_mended", True)  # noqa: B010


def rtc_configuration(stun_servers: Sequence[str]) -> RTCConfiguration:
    """No STUN unless configured: aiortc's default Google STUN server is unreachable offline."""
    servers = [RTCIceServer(urls=url) for url in stun_servers]
    return RTCConfiguration(iceServers=servers)
