"""Inbound audio: anything the bridge can `recv()` guest frames from, at the rate it asks for."""

from __future__ import annotations

from typing import Protocol

from media.frames import AudioFrame


class AudioSource(Protocol):
    """Yields the guest's audio as mono `AudioFrame`s at `sample_rate`.

    `recv()` raises `media.errors.TransportClosed` when the transport has ended.
    """

    sample_rate: int
    # The rate the audio crossed its line at: what band it carries (8000 for a phone line).
    line_rate: int

    async def recv(self) -> AudioFrame: ...

    def close(self) -> None:
        """Stop reading; release anything waiting on the transport (idempotent)."""
