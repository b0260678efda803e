"""The frame-classifier seam: 20 ms of 16 kHz PCM in, a speech probability out."""

from __future__ import annotations

from typing import Protocol

from media.frames import PCM16

VAD_RATE = 16000
VAD_FRAME_SAMPLES = 320  # 20 ms at 16 kHz


class FrameClassifier(Protocol):
    """Scores consecutive 20 ms frames of one 16 kHz stream; state carries across calls.

    `stride` (set by the turn detector, 1 by default) lets it score only every stride-th
    window of the stream and return the last score in between: the stream still advances.
    A `cheap` classifier (webrtcvad, a few µs) is not worth the turn detector's cascade.
    """

    name: str
    cheap: bool
    stride: int

    def speech_probability(self, samples: PCM16) -> float:
        """Probability (0..1) that the latest audio is speech; `samples` is 320 int16 samples."""
        ...

    def reset(self) -> None:
        """Forget the stream (a new call, or after a long gap)."""
        ...
