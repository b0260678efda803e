"""The silero model with its `If` nodes spliced out scores exactly as the shipped one, and a
model the splicing does not fit falls back to the shipped one."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from media.resample import StreamResampler
from media.speech.tts import synthesize_blocking
from media.vad import silero
from media.vad.silero import CONTEXT, WINDOW, SileroClassifier


def _ops(nodes: Iterable[onnx.NodeProto]) -> list[str]:
    """Op types of `nodes` and of every node in their subgraphs."""
    ops = []
    for node in nodes:
        ops.append(node.op_type)
        for attr in node.attribute:
            if attr.HasField("g"):
                ops += _ops(attr.g.node)
    return ops


def _graph_ops(model: bytes) -> list[str]:
    return _ops(onnx.load_from_string(model).graph.node)


def test_spliced_model_has_no_ifs_and_scores_speech_exactly_as_the_original() -> None:
    with open(silero.model_path(), "rb") as f:
        original = f.read()
    assert "If" in _graph_ops(original)
    spliced = silero.inlined_model(original)
    assert "If" not in _graph_ops(spliced)
    assert "LSTM" in _graph_ops(spliced)

    pcm, rate = synthesize_blocking("Good evening, I would like to book a room for two nights.")
    x = StreamResampler(rate, 16000).process(pcm, last=True).astype(np.float32) / 32768.0
    a = silero._new_session(silero.model_path())
    b = silero._new_session(spliced)
    sr = np.array(16000, np.int64)
    state_a = state_b = np.zeros((2, 1, 128), np.float32)
    scores = []
    for i in range(CONTEXT, x.size - WINDOW, WINDOW):
        window = x[None, i - CONTEXT : i + WINDOW]
        out_a = a.run(None, {"input": window, "state": state_a, "sr": sr})
        out_b = b.run(None, {"input": window, "state": state_b, "sr": sr})
        assert np.array_equal(out_a[0], out_b[0]) and np.array_equal(out_a[1], out_b[1])
        state_a, state_b = out_a[1], out_b[1]
        scores.append(float(out_a[0][0, 0]))
    assert max(scores) > 0.8 and min(scores) < 0.2  # speech and its pauses, not a constant


def test_a_model_that_cannot_be_spliced_falls_back_to_the_original(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(model: bytes) -> bytes:
        raise ValueError("not this model")

    monkeypatch.setattr(silero, "_session", None)
    monkeypatch.setattr(silero, "inlined_model", broken)
    session = silero.session()
    assert isinstance(session, ort.InferenceSession)
    classifier = SileroClassifier()
    assert classifier._session is session
    assert 0.0 <= classifier.speech_probability(np.zeros(WINDOW, np.int16)) < 0.5

    monkeypatch.setattr(silero, "_session", None)  # one that scores differently: also refused
    monkeypatch.setattr(silero, "inlined_model", lambda model: model)
    monkeypatch.setattr(silero, "_same_scores", lambda a, b: False)
    assert isinstance(silero.session(), ort.InferenceSession)
