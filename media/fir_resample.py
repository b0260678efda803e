"""Low-latency streaming resampling by an integer factor (8↔16, 16↔48, 8↔48, 24↔48 kHz …).

soxr buffers in blocks: on 20 ms frames its HQ recipe holds back 21 ms on average from 48 to
16 kHz and 64 ms (up to 115 ms) from 8 to 16 kHz, and every millisecond held back on the inbound
side is added to turn ends and barge-in. Integer ratios are all a call's live paths need, and a
Kaiser-windowed sinc does them with a delay of under 2 ms: passband to 0.425 of the lower rate,
60 dB stopband from 0.575 of it (`docs/media-measurements.md`). The filter's group delay is
compensated (output is time-aligned, like soxr's), so what is held back is that delay. It costs
2-3x soxr's CPU per frame (10-25 µs), paid for the 20-60 ms it takes off every turn.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

from media.frames import PCM16

F64 = npt.NDArray[np.float64]

PASS_EDGE = 0.425  # of the lower rate
STOP_EDGE = 0.575
ATTENUATION_DB = 60.0


def integer_ratio(in_rate: int, out_rate: int) -> tuple[int, int] | None:
    """(up, down) when one rate is a whole multiple of the other, else None."""
    if out_rate > in_rate and out_rate % in_rate == 0:
        return out_rate // in_rate, 1
    if in_rate > out_rate and in_rate % out_rate == 0:
        return 1, in_rate // out_rate
    return None


@cache
def design(factor: int) -> tuple[F64, int]:
    """Symmetric low-pass taps at the higher rate, and their delay there (the centre tap)."""
    transition = 2 * math.pi * (STOP_EDGE - PASS_EDGE) / factor  # rad/sample at the high rate
    taps = math.ceil((ATTENUATION_DB - 7.95) / (2.285 * transition)) + 1
    half = (taps + 1) // 2
    beta = 0.1102 * (ATTENUATION_DB - 8.7)
    cutoff = 0.5 / factor  # cycles/sample at the high rate: half-way through the transition
    k = np.arange(2 * half + 1) - half
    h = 2 * cutoff * np.sinc(2 * cutoff * k) * np.kaiser(k.size, beta)
    return h / h.sum(), half


def _to_int16(y: F64) -> PCM16:
    np.maximum(y, -32768.0, out=y)
    np.minimum(y, 32767.0, out=y)
    return y.astype(np.int16)  # truncation: under 1 LSB


class FirResampler:
    """Streams one mono int16 signal up by `up` or down by `down` through one FIR.

    Works at the higher rate: zero-stuffed input (up), filtered, every `down`-th sample kept.
    A single numpy correlate per chunk was the cheapest form measured (per-phase polyphase
    filters cost more in call overhead than they save in multiplies at these sizes)."""

    def __init__(self, up: int, down: int) -> None:
        if min(up, down) != 1 or max(up, down) < 2:
            raise ValueError("FirResampler needs exactly one of up/down > 1")
        self.up = up
        self.down = down
        taps, self._delay_hi = design(max(up, down))
        self._taps = taps * up  # zero-stuffing divides the level by `up`
        self._reset()

    def _reset(self) -> None:
        self._history: F64 = np.zeros(self._taps.size - 1)
        self._in_total = 0
        self._out_total = 0
        self._skip = self._delay_hi  # high-rate samples of filter delay still to drop
        self._phase = 0  # high-rate samples kept so far, mod `down`

    def process(self, samples: PCM16, last: bool = False) -> PCM16:
        self._in_total += samples.size
        x: PCM16 = samples
        if last:  # push the delay's worth of zeros through so the tail comes out
            x = np.concatenate((samples, np.zeros(-(-self._delay_hi // self.up) + 1, np.int16)))
        high = np.zeros(self._history.size + x.size * self.up)
        high[: self._history.size] = self._history
        high[self._history.size :: self.up] = x
        self._history = high[high.size - self._history.size :]
        y = np.correlate(high, self._taps, "valid")  # symmetric taps: same as convolve
        if self._skip:
            dropped = min(self._skip, y.size)
            y = y[dropped:]
            self._skip -= dropped
        if self.down > 1:
            start = -self._phase % self.down
            self._phase = (self._phase + y.size) % self.down
            y = y[start :: self.down]
        if last:
            y = y[: max(0, self._in_total * self.up // self.down - self._out_total)]
            self._reset()
        else:
            self._out_total += y.size
        return _to_int16(np.ascontiguousarray(y))
