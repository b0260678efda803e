"""PreRoll hands recognition the audio from just before the onset the detector reports."""

from __future__ import annotations

import numpy as np

from media.frames import AudioFrame
from media.preroll import PreRoll

RATE = 16000


def _frames(n: int, size: int = 320, start: float = 0.0) -> list[AudioFrame]:
    out, t = [], start
    for i in range(n):
        out.append(AudioFrame(np.full(size, i, np.int16), RATE, t))
        t += size / RATE
    return out


def test_returns_audio_from_lead_before_the_onset_even_past_a_fixed_frame_count() -> None:
    roll = PreRoll(keep_s=1.2, lead_s=0.25)
    for f in _frames(50):  # 1.0 s of 20 ms frames
        roll.append(f)
    # the detector confirmed late: the onset was 450 ms before the newest audio, more than
    # the 15 frames a fixed pre-roll used to keep
    got = roll.take_from(onset=0.55)
    assert got[0].timestamp <= 0.30 < got[0].timestamp + 0.02
    assert got[-1].timestamp == _frames(50)[-1].timestamp
    assert len(roll) == 0


def test_keeps_only_keep_s_of_audio_whatever_the_frame_sizes() -> None:
    roll = PreRoll(keep_s=0.5, lead_s=0.25)
    for f in _frames(20, size=1660):  # blocky resampler output, ~104 ms each
        roll.append(f)
    total = sum(f.duration_ms for f in roll.take_from(onset=0.0)) / 1000
    assert 0.5 <= total < 0.5 + 1660 / RATE


def test_frames_without_stream_time_are_all_returned() -> None:
    roll = PreRoll(keep_s=1.0, lead_s=0.25)
    for f in _frames(30):
        roll.append(AudioFrame(f.samples, RATE, 0.0))
    assert len(roll.take_from(onset=42.0)) == 30


def _level_frames(levels: list[float]) -> list[AudioFrame]:
    rng = np.random.default_rng(3)
    return [AudioFrame((rng.standard_normal(320) * lv).astype(np.int16), RATE, i * 0.02)
            for i, lv in enumerate(levels)]


def test_reaches_back_over_a_soft_start_the_detector_counted_late() -> None:
    """Background, then a soft syllable from 0.60 s, a 20 ms gap, and speech; the detector
    put the onset at 0.96 s. The pre-roll starts one frame before the syllable, not at
    onset - lead (0.71 s), and not in the background before it."""
    levels = [20.0] * 30 + [900.0] * 4 + [20.0] + [3000.0] * 25
    roll = PreRoll(keep_s=1.2, lead_s=0.25, reach_s=0.3)
    for f in _level_frames(levels):
        roll.append(f)
    got = roll.take_from(onset=0.96)
    assert round(got[0].timestamp, 2) == 0.58


def test_reach_is_bounded_and_background_is_not_taken() -> None:
    # sound all along (e.g. the agent's echo): no further back than onset - lead - reach
    roll = PreRoll(keep_s=1.2, lead_s=0.25, reach_s=0.3)
    for f in _level_frames([3000.0] * 60):
        roll.append(f)
    assert roll.take_from(onset=1.0)[0].timestamp >= 0.45 - 1e-9
    # silence before the lead: nothing extra
    roll = PreRoll(keep_s=1.2, lead_s=0.25, reach_s=0.3)
    for f in _level_frames([20.0] * 40 + [3000.0] * 20):
        roll.append(f)
    assert round(roll.take_from(onset=0.9)[0].timestamp, 2) == 0.64
