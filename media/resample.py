"""Streaming resampling between the rates the transports and engines use (8/16/22.05/24/48 kHz).

One `StreamResampler` lives for the life of a stream, so filter state carries across frame
boundaries and a sine stays continuous. Whole-number ratios (every live call path: 8↔16, 16↔48,
8↔48, 24↔48 kHz) go through `media.fir_resample`, a polyphase FIR that holds back 1-3 ms; other
pairs (espeak's 22.05 kHz, 16↔24 kHz) through soxr's streaming API, which was chosen over
av.AudioResampler by measurement (docs/media-measurements.md) but holds back 10-140 ms in blocks.
Output stays time-aligned either way, and `last=True` flushes the tail. Interleaved input of
several channels is averaged to mono (inside the FIR for whole-number ratios, where it is
nearly free).
"""

from __future__ import annotations

import numpy as np
import soxr

from media.errors import BadAudioFrame
from media.fir_resample import FirResampler, integer_ratio
from media.frames import PCM16, SUPPORTED_RATES


class StreamResampler:
    """Resamples consecutive chunks of one mono int16 stream from `in_rate` to `out_rate`."""

    def __init__(self, in_rate: int, out_rate: int, quality: str = "HQ") -> None:
        for rate in (in_rate, out_rate):
            if rate not in SUPPORTED_RATES:
                raise BadAudioFrame(f"unsupported sample rate {rate}")
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._quality = quality
        self._stream: soxr.ResampleStream | FirResampler | None = None
        self._reset()

    def _reset(self) -> None:
        ratio = integer_ratio(self.in_rate, self.out_rate)
        if ratio is not None:
            self._stream = FirResampler(*ratio)
        elif self.in_rate != self.out_rate:
            self._stream = soxr.ResampleStream(
                self.in_rate, self.out_rate, 1, dtype="int16", quality=self._quality
            )

    def process(self, samples: PCM16, last: bool = False, channels: int = 1) -> PCM16:
        """Resample the next chunk (mono, or `channels` interleaved lanes averaged to mono);
        `last=True` flushes the filter tail and starts afresh."""
        if isinstance(self._stream, FirResampler):
            return self._stream.process(samples, last=last, channels=channels)
        if channels > 1:
            samples = downmix(samples, channels)
        if self._stream is None:
            return samples
        out: PCM16 = np.asarray(self._stream.resample_chunk(samples, last=last), dtype=np.int16)
        if last:
            self._reset()
        return out

    def reset(self) -> None:
        """Drop filter state (after a clear/barge-in, so stale audio never leaks out)."""
        self._reset()


class ToRate:
    """Resamples chunks that may come at any rate to `out_rate`: one `StreamResampler` per
    incoming rate, made on first use, so each stream's filter state carries from chunk to
    chunk. Chunks already at `out_rate` pass as they are."""

    def __init__(self, out_rate: int) -> None:
        self.out_rate = out_rate
        self._streams: dict[int, StreamResampler] = {}

    def process(self, samples: PCM16, in_rate: int, last: bool = False) -> PCM16:
        if in_rate == self.out_rate:
            return samples
        stream = self._streams.get(in_rate)
        if stream is None:
            stream = self._streams[in_rate] = StreamResampler(in_rate, self.out_rate)
        return stream.process(samples, last=last)

    def reset(self) -> None:
        """Drop every stream's filter state (`StreamResampler.reset`)."""
        for stream in self._streams.values():
            stream.reset()


def downmix(samples: PCM16, channels: int) -> PCM16:
    """Interleaved int16 lanes averaged (floor) to mono."""
    lanes = samples[: samples.size // channels * channels]
    mixed = lanes[0::channels].astype(np.int32)
    for c in range(1, channels):
        mixed += lanes[c::channels]
    if channels == 2:
        mixed >>= 1  # the same floor division as // 2, cheaper
    else:
        mixed //= channels
    out: PCM16 = mixed.astype(np.int16)
    return out
