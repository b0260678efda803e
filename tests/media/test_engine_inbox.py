"""The engine's inbox: guest audio and turn events stay in order, interruptions overtake them,
and an engine that falls behind loses its oldest audio, never a turn event."""

from __future__ import annotations

import numpy as np

from media.engine import EngineInbox, EngineInput, Interrupted
from media.events import PlayoutCleared, SpeechEnded, SpeechStarted
from media.frames import AudioFrame


def _frame(i: int) -> AudioFrame:
    return AudioFrame(np.zeros(320, np.int16), 16000, i * 0.02)


def _drain(inbox: EngineInbox) -> list[EngineInput]:
    out = []
    while (item := inbox.get_nowait()) is not None:
        out.append(item)
    return out


def test_a_turn_end_does_not_overtake_the_turns_audio_but_an_interruption_does() -> None:
    inbox = EngineInbox()
    started, ended = SpeechStarted(at=0.0), SpeechEnded(0.0, 0.1, np.zeros(0, np.int16), 16000)
    cleared = PlayoutCleared("u1", 100.0, 0.0)
    inbox.put(started)
    frames = [_frame(i) for i in range(5)]
    for f in frames:
        inbox.put(f)
    inbox.put(ended)
    inbox.put(_frame(5))
    inbox.put(cleared)
    got = _drain(inbox)
    assert got[0] is cleared
    assert got[1:] == [started, *frames, ended, got[-1]]
    assert isinstance(got[-1], AudioFrame) and got[-1].timestamp == 0.1


def test_falling_behind_drops_the_oldest_audio_and_keeps_turn_events() -> None:
    inbox = EngineInbox(max_audio_frames=4)
    started = SpeechStarted(at=0.0)
    inbox.put(_frame(0))
    inbox.put(started)
    for i in range(1, 7):
        inbox.put(_frame(i))
    inbox.put(Interrupted("u1", 50.0))
    got = _drain(inbox)
    assert isinstance(got[0], Interrupted)
    assert got[1] is started
    assert [f.timestamp for f in got[2:] if isinstance(f, AudioFrame)] == [
        i * 0.02 for i in range(3, 7)]
    assert inbox.audio_dropped == 3
