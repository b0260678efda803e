"""WebRTC's GMM voice activity detector (package `webrtcvad-wheels`): cheap, binary decisions."""

from __future__ import annotations

import webrtcvad

from media.errors import BadAudioFrame
from media.frames import PCM16
from media.vad.classifier import VAD_FRAME_SAMPLES, VAD_RATE


class WebRtcClassifier:
    """`aggressiveness` 0..3: higher calls less audio speech. Returns 0.0 or 1.0 per frame."""

    name = "webrtc"
    cheap = True  # the turn detector's cascade is not worth it
    stride = 1  # ignored: every frame is scored

    def __init__(self, aggressiveness: int = 3) -> None:
        if not 0 <= aggressiveness <= 3:
            raise ValueError(f"webrtcvad aggressiveness must be 0..3, got {aggressiveness}")
        self.aggressiveness = aggressiveness
        self._vad = webrtcvad.Vad(aggressiveness)

    def speech_probability(self, samples: PCM16) -> float:
        if samples.size != VAD_FRAME_SAMPLES:
            raise BadAudioFrame(f"webrtc VAD needs {VAD_FRAME_SAMPLES} samples, got {samples.size}")
        return 1.0 if self._vad.is_speech(samples.astype("<i2").tobytes(), VAD_RATE) else 0.0

    def reset(self) -> None:
        self._vad = webrtcvad.Vad(self.aggressiveness)
