"""Voice activity detection: frame classifiers (silero, webrtc) and the VAD turn detector.

`make_turn_detector()` is what the server uses; the default kind is the detector that won on
the labelled corpus (bench/vad_eval.py, docs/media-measurements.md). Every silero detector of a
process shares one model (media/vad/silero.py); loading it takes 65-125 ms, so call `prewarm()`
at startup, off the loop.
"""

from __future__ import annotations

from typing import Literal

from media.vad.classifier import VAD_FRAME_SAMPLES, VAD_RATE, FrameClassifier
from media.vad.detector import TurnState, VadConfig, VadTurnDetector
from media.vad.silero import SileroClassifier, prewarm
from media.vad.webrtc import WebRtcClassifier

DetectorKind = Literal["silero", "webrtc"]
DEFAULT_DETECTOR: DetectorKind = "silero"

__all__ = [
    "DEFAULT_DETECTOR",
    "VAD_FRAME_SAMPLES",
    "VAD_RATE",
    "DetectorKind",
    "FrameClassifier",
    "SileroClassifier",
    "TurnState",
    "VadConfig",
    "VadTurnDetector",
    "WebRtcClassifier",
    "make_classifier",
    "make_turn_detector",
    "prewarm",
]


def make_classifier(kind: str) -> FrameClassifier:
    """A fresh classifier of `kind` ("silero" | "webrtc")."""
    if kind == "silero":
        return SileroClassifier()
    if kind == "webrtc":
        return WebRtcClassifier()
    raise ValueError(f"unknown VAD kind {kind!r} (expected 'silero' or 'webrtc')")


def make_turn_detector(kind: str = DEFAULT_DETECTOR, config: VadConfig | None = None
                       ) -> VadTurnDetector:
    """A per-call turn detector backed by the `kind` classifier."""
    return VadTurnDetector(make_classifier(kind), config)
