"""FirResampler computes only the kept outputs (polyphase, block matrix products): streamed in
chunks of any size it gives what one whole-signal convolution gives, and interleaved channels
come out averaged to mono."""

from __future__ import annotations

import numpy as np
import pytest

from media.fir_resample import FirResampler, design
from media.frames import PCM16
from media.resample import StreamResampler, downmix

RATIOS = [(1, 2), (1, 3), (1, 6), (2, 1), (3, 1), (6, 1)]


def _reference(x: PCM16, up: int, down: int) -> PCM16:
    """Zero-stuff, filter the whole signal at the high rate, align by the delay, decimate."""
    h, half = design(max(up, down))
    stuffed = np.zeros(x.size * up)
    stuffed[::up] = x.astype(np.float64) * up
    y = np.convolve(stuffed, h)[half : half + stuffed.size : down]  # symmetric taps
    out: PCM16 = np.clip(y, -32768, 32767).astype(np.int16)
    return out


def _noise(n: int, seed: int = 1) -> PCM16:
    return (np.random.default_rng(seed).standard_normal(n) * 6000).astype(np.int16)


@pytest.mark.parametrize(("up", "down"), RATIOS)
def test_streamed_in_any_chunks_equals_one_convolution(up: int, down: int) -> None:
    x = _noise(4800 + 6 * 7)  # a whole number of output samples for every ratio
    rng = np.random.default_rng(up * 10 + down)
    rs = FirResampler(up, down)
    chunks: list[PCM16] = []
    start = 0
    while start < x.size:
        size = int(rng.choice([0, 1, 2, 7, 160, 333, 960]))
        chunks.append(rs.process(x[start : start + size]))
        start += size
    chunks.append(rs.process(np.zeros(0, np.int16), last=True))
    got = np.concatenate(chunks)
    want = _reference(x, up, down)
    assert got.size == x.size * up // down == want.size
    assert np.abs(got.astype(np.int32) - want).max() <= 1  # float summation order, truncation


@pytest.mark.parametrize(("up", "down"), RATIOS)
def test_after_last_it_starts_afresh(up: int, down: int) -> None:
    rs = FirResampler(up, down)
    x = _noise(960, seed=2)
    first = rs.process(x, last=True)
    assert np.array_equal(rs.process(x, last=True), first)


@pytest.mark.parametrize("channels", [2, 3])
def test_interleaved_channels_are_averaged_inside_the_filter(channels: int) -> None:
    lanes = np.stack([_noise(9600, seed=c) for c in range(channels)], axis=1)  # (n, channels)
    interleaved = lanes.reshape(-1)
    fused = StreamResampler(48000, 16000)
    separate = StreamResampler(48000, 16000)
    step = 960 * channels
    got = np.concatenate([fused.process(interleaved[i : i + step], channels=channels)
                          for i in range(0, interleaved.size, step)])
    mono = downmix(interleaved, channels)
    want = np.concatenate([separate.process(mono[i : i + 960])
                           for i in range(0, mono.size, 960)])
    assert got.size == want.size and 3200 - got.size < 16  # under 1 ms held back
    # The fused average is exact; downmix floors first (half an LSB), then the filter.
    assert np.abs(got.astype(np.int32) - want).max() <= 2
    assert np.abs(got).max() > 1000


def test_downmix_floors_the_average_and_passes_through_non_fir_rates() -> None:
    x = np.array([1, 2, -1, -2, 32767, 32767], np.int16)
    assert downmix(x, 2).tolist() == [1, -2, 32767]
    same = StreamResampler(16000, 16000)
    assert same.process(x, channels=2).tolist() == [1, -2, 32767]
    soxr_path = StreamResampler(22050, 16000)
    out = soxr_path.process(np.repeat(_noise(2205, seed=4), 2), channels=2, last=True)
    assert out.size == 1600
