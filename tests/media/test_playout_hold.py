"""Playout hold (soft barge-in): silent frames while paused, position and queue kept, the same
utterance continues on resume, clear() during a hold reports what was played before it, and a
hold ends by itself after its bound."""

from __future__ import annotations

import numpy as np

from media.clock import FrameClock
from media.events import (
    PlayoutCleared,
    PlayoutEvent,
    PlayoutFinished,
    PlayoutPaused,
    PlayoutResumed,
    PlayoutStarted,
)
from media.playout import Playout

RATE = 16000
FRAME = 320


def _ramp_playout(frames: int = 50) -> tuple[Playout, list[PlayoutEvent]]:
    """One utterance whose sample values count up, so each frame shows where it came from."""
    p = Playout(RATE, FrameClock())
    events: list[PlayoutEvent] = []
    p.add_listener(events.append)
    samples = (np.arange(frames * FRAME) % 30000).astype(np.int16)
    p.enqueue(samples, RATE, utterance_id="u1", last=True)
    return p, events


def test_paused_frames_are_silent_and_keep_the_position() -> None:
    p, events = _ramp_playout()
    for _ in range(5):
        p.pull_frame()
    assert p.pause()
    assert not p.pause()  # already held
    assert p.paused and p.is_playing  # still mid-utterance
    queued = p.queued_ms
    for _ in range(10):
        frame = p.pull_frame()
        assert not frame.samples.any()
        assert not p.last_frame_had_audio  # transports that skip silent frames send nothing
    assert p.played_ms == 100.0 and p.queued_ms == queued
    assert p.current_utterance == "u1"
    assert events[-1] == PlayoutPaused("u1", 100.0)


def test_resume_continues_the_same_utterance_where_it_stopped() -> None:
    p, events = _ramp_playout()
    for _ in range(5):
        p.pull_frame()
    p.pause()
    for _ in range(3):
        p.pull_frame()
    assert p.resume()
    assert not p.resume()  # not held any more
    frame = p.pull_frame()
    assert p.last_frame_had_audio
    assert int(frame.samples[0]) == 5 * FRAME  # the sample after the last one sent
    assert p.played_ms == 120.0
    assert isinstance(events[-1], PlayoutResumed)
    assert events[-1] == PlayoutResumed("u1", held_ms=60.0, timed_out=False)
    while p.is_playing:
        p.pull_frame()
    finished = [e for e in events if isinstance(e, PlayoutFinished)]
    assert finished == [PlayoutFinished("u1", 1000.0)]  # every sample played, none twice
    assert [type(e) for e in events].count(PlayoutStarted) == 1


def test_clear_during_a_hold_reports_the_position_before_the_pause_and_ends_it() -> None:
    p, events = _ramp_playout()
    for _ in range(7):
        p.pull_frame()
    p.pause()
    for _ in range(4):
        p.pull_frame()
    cleared = p.clear()
    assert cleared == PlayoutCleared("u1", played_ms=140.0, dropped_ms=860.0)
    assert not p.paused and not p.is_playing
    assert not any(isinstance(e, PlayoutResumed) for e in events)
    p.enqueue(np.full(FRAME, 7, np.int16), RATE, utterance_id="u2", last=True)
    p.pull_frame()  # the next utterance plays at once
    assert p.last_frame_had_audio and p.current_utterance is None


def test_a_hold_ends_by_itself_after_its_bound() -> None:
    p, events = _ramp_playout()
    p.pull_frame()
    p.pause(max_ms=100.0)
    for _ in range(5):
        p.pull_frame()
        assert not p.last_frame_had_audio
    frame = p.pull_frame()
    assert p.last_frame_had_audio and int(frame.samples[0]) == FRAME
    assert not p.paused
    resumed = [e for e in events if isinstance(e, PlayoutResumed)]
    assert resumed == [PlayoutResumed("u1", held_ms=100.0, timed_out=True)]


def test_a_hold_without_a_bound_lasts_until_resumed() -> None:
    p, _ = _ramp_playout()
    p.pull_frame()
    p.pause()
    for _ in range(200):
        p.pull_frame()
    assert p.paused and not p.last_frame_had_audio and p.played_ms == 20.0


def test_audio_queued_during_a_hold_waits_for_it() -> None:
    p = Playout(RATE, FrameClock())
    p.pause()
    p.enqueue(np.full(FRAME * 2, 9, np.int16), RATE, utterance_id="u1", last=True)
    p.pull_frame()
    assert not p.last_frame_had_audio and p.is_playing
    p.resume()
    assert p.pull_frame().samples[0] == 9
