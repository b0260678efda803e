"""Speech to text: the streaming recognizer interface and its result types.

A `StreamingRecognizer` decodes one turn at a time: `start()`, then `feed()` 16 kHz mono int16
chunks while the guest speaks (it may return a `Partial`), then `finish()` when the turn ends,
which returns the `Transcript`. Most decoding happens inside `feed()`, so `finish()` is quick.
Recognizers are not thread-safe; use one per worker (see `media.speech.stt_pool`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from media.frames import PCM16
from media.resample import StreamResampler

STT_SAMPLE_RATE = 16_000
PHONE_LINE_RATE = 8_000


class Band(StrEnum):
    """What a call's audio can carry, whatever rate it reaches the recognizer at. A phone
    line's 8 kHz audio has nothing over 4 kHz, which the packaged model expects (trained on
    16 kHz speech), so phone calls get a recognizer adapted to that band (docs/stt.md)."""

    WIDE = "wide"
    PHONE = "phone"

    @classmethod
    def of_line(cls, line_rate: int | None) -> Band:
        """The band of audio that crossed the line at `line_rate` (None: not known, wide)."""
        return cls.PHONE if line_rate is not None and line_rate <= PHONE_LINE_RATE else cls.WIDE


@dataclass(frozen=True, slots=True)
class Word:
    """One recognized word with its time span (ms from the start of the turn)."""

    text: str
    start_ms: float
    end_ms: float
    confidence: float


@dataclass(frozen=True, slots=True)
class Partial:
    """Best hypothesis so far, after `audio_ms` of the turn."""

    text: str
    audio_ms: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """Final result of a turn.

    `confidence` is in [0, 1] (0 for an empty result). `finish_ms` is the wall time `finish()`
    took, i.e. the latency the recognizer adds after the end of speech; `decode_ms` is the
    total wall time spent in `feed()` and `finish()` for the turn. `alternatives` are the next
    best distinct hypotheses (n-best, best first, without `text`), for a listener that knows
    which answer it expects.
    """

    text: str
    confidence: float
    words: tuple[Word, ...]
    audio_ms: float
    finish_ms: float
    decode_ms: float
    alternatives: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text

    @property
    def real_time_factor(self) -> float:
        return self.decode_ms / self.audio_ms if self.audio_ms > 0 else 0.0


class StreamingRecognizer(Protocol):
    """Decodes one turn at a time from 16 kHz mono int16 audio."""

    @property
    def name(self) -> str: ...

    def start(self, context: str | None = None, codes: Sequence[str] = ()) -> None:
        """Begin a new turn (discarding any unfinished one).

        `context` names a dialogue-state model (e.g. "digits" after asking for a phone number)
        where the recognizer has them; None is the general model. `codes` are the booking
        codes the guest may spell in this turn (the hotel's live ones), for a recognizer that
        can listen for them; never logged.
        """

    def feed(self, pcm16_16k: PCM16) -> Partial | None:
        """Decode the next chunk; may return the current partial hypothesis."""

    def partial(self) -> Partial:
        """The best hypothesis so far, without ending the turn (empty if none is open)."""

    def finish(self) -> Transcript:
        """End the turn and return its transcript."""


RecognizerFactory = Callable[[], StreamingRecognizer]


def to_16k(samples: PCM16, sample_rate: int) -> PCM16:
    """Resample a whole turn (e.g. `SpeechEnded.audio`) to the recognizer rate."""
    if sample_rate == STT_SAMPLE_RATE:
        return samples
    return StreamResampler(sample_rate, STT_SAMPLE_RATE).process(samples, last=True)


def transcribe(recognizer: StreamingRecognizer, samples: PCM16, sample_rate: int = STT_SAMPLE_RATE,
               chunk_ms: int = 20, context: str | None = None,
               codes: Sequence[str] = ()) -> Transcript:
    """Decode a whole turn by feeding it in `chunk_ms` chunks (offline use, tests, benches)."""
    audio = to_16k(np.asarray(samples, dtype=np.int16), sample_rate)
    step = STT_SAMPLE_RATE * chunk_ms // 1000
    recognizer.start(context, codes)
    for i in range(0, audio.size, step):
        recognizer.feed(audio[i:i + step])
    return recognizer.finish()
