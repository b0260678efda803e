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
