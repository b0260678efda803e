"""Low-latency streaming resampling by an integer factor (8↔16, 16↔48, 8↔48, 24↔48 kHz …).

soxr buffers in blocks: on 20 ms frames its HQ recipe holds back 21 ms on average from 48 to
16 kHz and 64 ms (up to 115 ms) from 8 to 16 kHz, and every millisecond held back on the inbound
side is added to turn ends and barge-in. Integer ratios are all a call's live paths need, and a
Kaiser-windowed sinc does them with a delay of under 2 ms: passband to 0.425 of the lower rate,
60 dB stopband from 0.575 of it (`docs/media-measurements.md`). The filter's group delay is
compensated (output is time-aligned, like soxr's), so what is held back is that delay.

Only the outputs that are kept are computed (polyphase), as two small matrix products per chunk
(see `FirResampler`), and an interleaved multi-channel input is averaged to mono on the way in
(the average folded into the taps): 48 kHz stereo -> 16 kHz mono costs ~15 µs per 20 ms frame
where a separate downmix plus a zero-stuffed `np.correlate` cost ~28 (tight loop).
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


@cache
def _plan(up: int, down: int) -> tuple[F64, int, int]:
    """The block matrix for (up, down), its window length and the zeros to start with.

    Every `down` input samples give `up` outputs (a "step"); step i's outputs are one window of
    `window` inputs starting at input i*down, times a fixed tap vector per output phase. Input
    is cut into rows of `window` samples (a multiple of `down`), so the steps that start in
    row k read only rows k and k+1: the outputs of row k are [row k, row k+1] @ W, with W of
    shape (2*window, window // down * up). `lead` zeros before the first input align the
    output with the input (the filter's delay compensated, as soxr does).
    """
    h, half = design(max(up, down))
    if down > 1:  # one output per step: the taps, padded at the front to a multiple of down
        window = -(-h.size // down) * down
        pad = window - h.size
        phases = np.concatenate((np.zeros(pad), h))[:, None]
        lead = pad + half
    else:  # up outputs per input sample: output q*up + r = sum_j h[(j-c)*up - r + half] x[q-c+j]
        lead = -(-half // up)
        window = lead + (h.size - 2 - half + up) // up + 1  # r = up - 1 reaches the last tap
        j = np.arange(window)[:, None]
        idx = (j - lead) * up - np.arange(up)[None, :] + half
        phases = np.where((idx >= 0) & (idx < h.size), h[np.clip(idx, 0, h.size - 1)], 0.0)
        phases *= up  # zero-stuffing would have divided the level by `up`
    steps = window // down
    w = np.zeros((2 * window, steps * up))
    for s in range(steps):
        w[s * down : s * down + window, s * up : (s + 1) * up] = phases
    return w, window, lead


class FirResampler:
    """Streams one int16 signal up by `up` or down by `down` through one FIR, to mono.

    Pending input (float64, starting at the next step's window) is cut into rows; outputs come
    from two matrix products (rows[:-1] @ W[:window] + rows[1:] @ W[window:]), so only kept
    outputs are computed, by BLAS. A single zero-stuffed `np.correlate` computed every output at
    the higher rate and cost 2-3x more."""

    def __init__(self, up: int, down: int) -> None:
        if min(up, down) != 1 or max(up, down) < 2:
            raise ValueError("FirResampler needs exactly one of up/down > 1")
        self.up = up
        self.down = down
        w, self._window, self._lead = _plan(up, down)
        self._weights: dict[int, tuple[F64, F64]] = {}
        self._w = w
        self._reset()

    def _reset(self) -> None:
        self._pending: F64 = np.zeros(self._lead)
        self._in_total = 0
        self._out_total = 0

    def _halves(self, channels: int) -> tuple[F64, F64]:
        """W split into the halves for row k and row k+1, with the channel average folded in."""
        halves = self._weights.get(channels)
        if halves is None:
            w = self._w / channels
            halves = self._weights[channels] = (np.ascontiguousarray(w[: self._window]),
                                                np.ascontiguousarray(w[self._window :]))
        return halves

    def process(self, samples: PCM16, last: bool = False, channels: int = 1) -> PCM16:
        """Resample the next chunk of `samples` (interleaved when `channels` > 1: averaged)."""
        n_in = samples.size // channels
        self._in_total += n_in
        held = self._pending.size
        size = held + n_in + (self._window if last else 0)  # `last`: zeros push the tail out
        steps = (size - self._window) // self.down + 1 if size >= self._window else 0
        per_row = self._window // self.down
        rows = -(-steps // per_row)
        work = np.empty(max(size, (rows + 1) * self._window))
        work[:held] = self._pending
        if channels == 1:
            work[held : held + n_in] = samples
        else:
            lanes = samples[: n_in * channels]
            np.add(lanes[0::channels], lanes[1::channels], out=work[held : held + n_in],
                   dtype=np.float64)
            for c in range(2, channels):
                work[held : held + n_in] += lanes[c::channels]
        work[held + n_in :] = 0.0
        if rows:
            first, second = self._halves(channels)
            grid = work[: (rows + 1) * self._window].reshape(rows + 1, self._window)
            y = (np.dot(grid[:-1], first) + np.dot(grid[1:], second)).reshape(-1)
            y = y[: steps * self.up]
        else:
            y = np.zeros(0)
        if last:
            y = y[: max(0, self._in_total * self.up // self.down - self._out_total)]
            self._reset()
        else:
            self._pending = work[steps * self.down : held + n_in].copy()
            self._out_total += y.size
        np.minimum(y, 32767.0, out=y)  # two ufuncs: ~1 µs less than np.clip
        np.maximum(y, -32768.0, out=y)
        out: PCM16 = y.astype(np.int16)  # truncation: under 1 LSB
        return out
