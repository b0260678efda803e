"""Decodes the Opus packets a track sends, as a browser would (tests only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import av
import numpy as np

from media.frames import PCM16

if TYPE_CHECKING:
    from av.stream import Stream

    Packet = av.Packet[Stream]


def decode_opus(packets: Sequence[Packet], rate: int) -> PCM16:
    """Mono int16 at `rate` from a sequence of Opus packets."""
    decoder = av.CodecContext.create("libopus", "r")
    assert isinstance(decoder, av.AudioCodecContext)
    decoder.sample_rate = rate
    decoder.layout = "mono"
    decoder.format = "s16"
    out = [f.to_ndarray().reshape(-1).astype(np.int16)
           for p in packets for f in decoder.decode(av.Packet(bytes(p)))]
    return np.concatenate(out)
