"""Typed events that flow between the bridge, turn detection, playout and engines."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from media.frames import PCM16


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """The guest started speaking (after the detector's minimum duration). `at` is stream time.
    Also settles an open `SpeechCandidate`: it was a turn."""

    at: float


@dataclass(frozen=True, slots=True)
class SpeechCandidate:
    """A short run of confident speech frames: maybe the guest is starting a turn, maybe it is a
    cough. Comes well before `SpeechStarted` so barge-in can pause the agent early; it is settled
    by `SpeechStarted` (a turn) or `CandidateDropped` (not one). `at` is the run's stream time."""

    at: float


@dataclass(frozen=True, slots=True)
class CandidateDropped:
    """The speech since the last `SpeechCandidate` stopped short of a turn (cough, click, "mm")."""

    at: float


@dataclass(frozen=True, slots=True)
class SpeechPaused:
    """The guest has been silent for `silent_ms` inside a turn (raised at each multiple of the
    detector's `pause_ms` before the hangover). The turn goes on until the hangover unless the
    engine ends it early (semantic endpointing: what was said so far is already a whole answer).
    `at` is the stream time the speech stopped."""

    at: float
    silent_ms: int


@dataclass(frozen=True, slots=True)
class SpeechEnded:
    """The guest's turn ended; `audio` holds the turn with its pre-roll, at `sample_rate`."""

    started_at: float
    ended_at: float
    audio: PCM16 = field(repr=False)
    sample_rate: int

    @property
    def duration_ms(self) -> float:
        return 1000.0 * self.audio.size / self.sample_rate


@dataclass(frozen=True, slots=True)
class PlayoutStarted:
    """The first frame of an utterance went out."""

    utterance_id: str


@dataclass(frozen=True, slots=True)
class PlayoutMark:
    """Every sample of a queued chunk carrying `name` has been sent."""

    name: str
    utterance_id: str


@dataclass(frozen=True, slots=True)
class PlayoutFinished:
    """The last queued sample of an utterance has been sent."""

    utterance_id: str
    played_ms: float


@dataclass(frozen=True, slots=True)
class PlayoutPaused:
    """Playback is held (soft barge-in): frames go out silent, queue and position are kept.
    `played_ms` of the current utterance had been sent when it stopped."""

    utterance_id: str | None
    played_ms: float


@dataclass(frozen=True, slots=True)
class PlayoutResumed:
    """A hold ended without a clear; playback continues where it stopped. `timed_out` when the
    hold's bound ran out before anyone decided."""

    utterance_id: str | None
    held_ms: float
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class PlayoutCleared:
    """Playback stopped early; `played_ms` of the current utterance had been sent."""

    utterance_id: str | None
    played_ms: float
    dropped_ms: float


PlayoutEvent = (PlayoutStarted | PlayoutMark | PlayoutFinished | PlayoutPaused | PlayoutResumed
                | PlayoutCleared)
TurnEvent = SpeechCandidate | CandidateDropped | SpeechStarted | SpeechPaused | SpeechEnded
MediaEvent = PlayoutEvent | TurnEvent


def empty_pcm() -> PCM16:
    return np.zeros(0, np.int16)
