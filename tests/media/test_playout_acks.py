"""Playout with transport-acknowledged marks: clear() reports what the transport confirmed
played (Twilio buffers what we send), and acknowledgements arriving after a clear are ignored."""

from __future__ import annotations

import numpy as np

from media.clock import FrameClock
from media.playout import Playout

RATE = 8000
FRAME = 160


def _playout(seconds: float = 1.0) -> Playout:
    p = Playout(RATE, FrameClock())
    p.track_acks()
    p.enqueue(np.full(int(RATE * seconds), 1000, np.int16), RATE, utterance_id="u1", last=True)
    return p


def _send(p: Playout, frames: int, start: int) -> list[str]:
    names = []
    for i in range(start, start + frames):
        p.pull_frame()
        assert p.last_frame_had_audio
        p.sent(f"m{i}")
        names.append(f"m{i}")
    return names


def test_clear_reports_the_acknowledged_position_not_the_sent_one() -> None:
    p = _playout()
    names = _send(p, 10, 0)  # 200 ms sent
    assert p.ack(names[3])  # Twilio has played 80 ms
    assert p.acked_ms == 80.0 and p.played_ms == 200.0
    cleared = p.clear()
    assert cleared.utterance_id == "u1" and cleared.played_ms == 80.0
    assert not p.ack(names[5])  # echoed after the clear: ignored
    assert p.acked_ms == 0.0


def test_without_acks_the_position_is_zero_and_unknown_names_change_nothing() -> None:
    p = _playout()
    _send(p, 5, 0)
    assert not p.ack("never-sent")
    assert p.clear().played_ms == 0.0


def test_acks_skip_ahead_and_duplicates_are_ignored() -> None:
    p = _playout()
    names = _send(p, 6, 0)
    assert p.ack(names[4]) and p.acked_ms == 100.0
    assert not p.ack(names[2])  # already passed
    assert not p.ack(names[4])  # duplicate
    assert p.acked_ms == 100.0


def test_untracked_playout_keeps_reporting_the_sent_position() -> None:
    p = Playout(RATE, FrameClock())
    p.enqueue(np.full(RATE, 1000, np.int16), RATE, utterance_id="u1", last=True)
    for _ in range(3):
        p.pull_frame()
    p.sent("x")  # harmless without tracking
    assert p.clear().played_ms == 60.0


def test_idle_frames_are_flagged_silent() -> None:
    p = Playout(RATE, FrameClock())
    p.pull_frame()
    assert not p.last_frame_had_audio


def test_a_held_playout_sends_nothing_and_clear_reports_the_acked_pause_point() -> None:
    """What Twilio's sender sees: held frames are silent (so no media goes out, only the
    mark that closes what was sent); the acked position is where the pause stopped."""
    p = _playout()
    _send(p, 4, 0)  # 80 ms sent, one mark per frame
    assert p.pause()
    p.pull_frame()
    assert not p.last_frame_had_audio
    p.sent("at-pause")  # the sender's mark for the frames sent before the silence
    for _ in range(5):
        p.pull_frame()
        assert not p.last_frame_had_audio
    assert p.ack("at-pause") and p.acked_ms == 80.0
    cleared = p.clear()
    assert cleared.played_ms == 80.0 and not p.paused


def test_resume_after_a_hold_keeps_acks_in_step() -> None:
    p = _playout()
    _send(p, 3, 0)
    p.pause()
    p.pull_frame()
    p.resume()
    names = _send(p, 2, 3)  # frames 4 and 5 of the utterance
    assert p.ack(names[-1]) and p.acked_ms == 100.0
