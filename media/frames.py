"""The one kind of audio every media stage passes on: mono int16 PCM with its rate and time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from media.errors import BadAudioFrame

PCM16 = npt.NDArray[np.int16]
SUPPORTED_RATES: frozenset[int] = frozenset({8000, 16000, 22050, 24000, 48000})
FRAME_MS = 20


def samples_per_frame(sample_rate: int, frame_ms: int = FRAME_MS) -> int:
    return sample_rate * frame_ms // 1000


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """Mono 16-bit PCM. `timestamp` is stream time in seconds of the frame's first sample."""

    samples: PCM16
    sample_rate: int
    timestamp: float = 0.0

    def __post_init__(self) -> None:
        if self.sample_rate not in SUPPORTED_RATES:
            raise BadAudioFrame(f"unsupported sample rate {self.sample_rate}")
        if not isinstance(self.samples, np.ndarray) or self.samples.dtype != np.int16:
            raise BadAudioFrame("samples must be an int16 numpy array")
        if self.samples.ndim != 1:
            raise BadAudioFrame(f"samples must be mono (1-D), got shape {self.samples.shape}")
        if self.samples.size == 0:
            raise BadAudioFrame("empty frame")

    @property
    def duration_ms(self) -> float:
        return 1000.0 * self.samples.size / self.sample_rate

    def rms_dbfs(self) -> float:
        """Level in dBFS (-inf for digital silence is clamped to -120)."""
        return rms_dbfs(self.samples)


def rms_dbfs(samples: npt.NDArray[np.int16] | npt.NDArray[np.float64]) -> float:
    """RMS level in dBFS of int16 samples, or of float samples on the int16 scale; -120 floor."""
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples.astype(np.float64)))))
    if rms <= 0.0:
        return -120.0
    return max(-120.0, 20.0 * float(np.log10(rms / 32768.0)))


def silence(sample_rate: int, frame_ms: int = FRAME_MS, timestamp: float = 0.0) -> AudioFrame:
    return AudioFrame(np.zeros(samples_per_frame(sample_rate, frame_ms), np.int16), sample_rate,
                      timestamp)
