"""Outbound agent audio: queued utterances paced out in 20 ms frames, with marks and clear().

Every transport pulls frames with `next_frame()`; the playout decides what is sent and when, so
"what has the guest actually heard" has one answer (`played_ms`), which barge-in truncation uses.

`pause()` holds playback for a soft barge-in: pulled frames are silence (`last_frame_had_audio`
False, so a transport that skips silent frames sends nothing), while the queue, the current
utterance and `played_ms` stay where they stopped; `is_playing` stays True. `resume()` continues
the same utterance from that sample; a hold ends by itself after its `max_ms` bound; `clear()`
during a hold ends it and reports the position reached before the pause.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from media.clock import FrameClock
from media.events import (
    PlayoutCleared,
    PlayoutEvent,
    PlayoutFinished,
    PlayoutMark,
    PlayoutPaused,
    PlayoutResumed,
    PlayoutStarted,
)
from media.frames import FRAME_MS, PCM16, AudioFrame, samples_per_frame
from media.resample import ToRate

log = logging.getLogger(__name__)

# A consumer that falls this many frames behind the clock skips ahead instead of bursting.
MAX_FRAMES_BEHIND = 5
# Sent-but-unacknowledged positions kept when tracking acks (a minute of 20 ms marks).
MAX_UNACKED = 3000


@dataclass(slots=True)
class _Chunk:
    samples: PCM16
    utterance_id: str
    mark: str | None
    last: bool
    pos: int = 0


class Playout:
    """Queue of agent audio at `sample_rate`, drained one paced frame at a time."""

    def __init__(
        self,
        sample_rate: int,
        clock: FrameClock,
        *,
        frame_ms: int = FRAME_MS,
        max_queued_s: float = 120.0,
    ) -> None:
        self.sample_rate = sample_rate
        self.clock = clock
        self.frame_ms = frame_ms
        self.frame_samples = samples_per_frame(sample_rate, frame_ms)
        self._max_queued = int(max_queued_s * sample_rate)
        self._chunks: deque[_Chunk] = deque()
        self._queued = 0
        self._to_rate = ToRate(sample_rate)
        self._listeners: list[Callable[[PlayoutEvent], None]] = []
        self._next_tick: int | None = None
        self._sent_samples = 0
        self._current: str | None = None
        self._current_played = 0
        self.frames_sent = 0
        self.frames_skipped = 0
        self.last_lateness_s = 0.0
        self._paused = False
        self._held_frames = 0  # frames pulled during the current hold
        self._hold_limit: int | None = None  # frames after which a hold ends by itself
        self.last_frame: AudioFrame | None = None
        self.tap: Callable[[AudioFrame], None] | None = None  # e.g. the call recorder
        self.last_frame_had_audio = False  # the last pulled frame carried queued samples
        # Transport-acknowledged positions (Twilio echoes marks once the caller heard them):
        # with tracking on, clear() reports the acknowledged position, not what was sent.
        self._track_acks = False
        self._unacked: deque[tuple[str, str | None, int]] = deque(maxlen=MAX_UNACKED)
        self._acked: tuple[str | None, int] = (None, 0)

    # -- producers ---------------------------------------------------------------------------
    def add_listener(self, listener: Callable[[PlayoutEvent], None]) -> None:
        self._listeners.append(listener)

    def enqueue(
        self,
        samples: PCM16,
        sample_rate: int,
        *,
        utterance_id: str,
        mark: str | None = None,
        last: bool = False,
    ) -> None:
        """Queue a chunk of an utterance; `last=True` closes the utterance (flushes resampling)."""
        samples = self._to_rate.process(samples, sample_rate, last=last)
        if self._queued + samples.size > self._max_queued:
            log.warning("playout queue full; dropping %d samples", samples.size)
            samples = samples[:0]  # keep the chunk's mark and end so listeners still hear them
        self._chunks.append(_Chunk(samples, utterance_id, mark, last))
        self._queued += samples.size

    def clear(self) -> PlayoutCleared:
        """Stop at once; report how much of the current utterance was played (with ack
        tracking: how much the transport confirmed played; later acks are ignored)."""
        played = self._current_played
        if self._track_acks:
            acked_utterance, acked = self._acked
            played = acked if acked_utterance == self._current else 0
            self._unacked.clear()
            self._acked = (None, 0)
        event = PlayoutCleared(
            utterance_id=self._current,
            played_ms=self._ms(played),
            dropped_ms=self._ms(self._queued),
        )
        self._chunks.clear()
        self._queued = 0
        self._to_rate.reset()
        self._current = None
        self._current_played = 0
        self._paused = False  # a clear settles a hold: the next utterance plays at once
        self._emit(event)
        return event

    # -- hold (soft barge-in) ----------------------------------------------------------------
    def pause(self, max_ms: float | None = None) -> bool:
        """Hold playback: send silence, keep the queue and position. After `max_ms` of held
        frames it resumes by itself (a safety bound in case no one decides). False if already
        held."""
        if self._paused:
            return False
        self._paused = True
        self._held_frames = 0
        self._hold_limit = None if max_ms is None else max(1, math.ceil(max_ms / self.frame_ms))
        self._emit(PlayoutPaused(self._current, self.played_ms))
        return True

    def resume(self) -> bool:
        """End a hold; the next frame continues where the pause stopped. False if not held."""
        return self._resume(timed_out=False)

    @property
    def paused(self) -> bool:
        return self._paused

    def _resume(self, *, timed_out: bool) -> bool:
        if not self._paused:
            return False
        self._paused = False
        self._emit(PlayoutResumed(self._current, float(self._held_frames * self.frame_ms),
                                   timed_out))
        return True

    # -- transport acknowledgements ---------------------------------------------------------
    def track_acks(self) -> None:
        """Report `clear()` positions from `ack()`s rather than from frames sent."""
        self._track_acks = True

    def sent(self, name: str) -> None:
        """The transport sent every frame pulled so far and tagged that point `name`."""
        self._unacked.append((name, self._current, self._current_played))

    def ack(self, name: str) -> bool:
        """The transport confirms the point `name` was played. False for names it does not
        know (sent before a clear, duplicated or never sent), which change nothing."""
        if not any(n == name for n, _, _ in self._unacked):
            return False
        while self._unacked:
            n, utterance, played = self._unacked.popleft()
            if n == name:
                self._acked = (utterance, played)
                return True
        return False  # pragma: no cover - the name was found above

    @property
    def acked_ms(self) -> float:
        """Acknowledged position in the current utterance (0 when none or another one)."""
        utterance, played = self._acked
        return self._ms(played) if utterance == self._current else 0.0

    # -- state -------------------------------------------------------------------------------
    @property
    def is_playing(self) -> bool:
        """Agent audio is queued or an utterance is under way (held or not)."""
        return self._queued > 0 or self._current is not None

    @property
    def queued_ms(self) -> float:
        return self._ms(self._queued)

    @property
    def current_utterance(self) -> str | None:
        return self._current

    @property
    def played_ms(self) -> float:
        """Milliseconds of the current utterance sent so far."""
        return self._ms(self._current_played)

    def _ms(self, samples: int) -> float:
        return 1000.0 * samples / self.sample_rate

    # -- consumer ----------------------------------------------------------------------------
    async def next_frame(self) -> AudioFrame:
        """Wait for the next 20 ms slot; return the frame to send (silence if idle)."""
        now_tick = self.clock.current_tick()
        if self._next_tick is None:
            self._next_tick = now_tick + 1
        elif now_tick - self._next_tick > MAX_FRAMES_BEHIND:
            skipped = now_tick - self._next_tick
            self.frames_skipped += skipped
            self._sent_samples += skipped * self.frame_samples  # timestamps stay on the clock
            self._next_tick = now_tick
        tick = self._next_tick
        self._next_tick += 1
        self.last_lateness_s = await self.clock.wait_for(tick)
        return self.pull_frame()

    def pull_frame(self) -> AudioFrame:
        """Take one frame's worth of samples now (no pacing); transports that pace use this."""
        out = np.zeros(self.frame_samples, np.int16)
        filled = 0
        had_audio = False
        if self._paused:
            if self._hold_limit is not None and self._held_frames >= self._hold_limit:
                self._resume(timed_out=True)
            else:
                self._held_frames += 1
        if not self._paused:
            while filled < self.frame_samples and self._chunks:
                chunk = self._chunks[0]
                if self._current != chunk.utterance_id:
                    self._current = chunk.utterance_id
                    self._current_played = 0
                    self._emit(PlayoutStarted(chunk.utterance_id))
                had_audio = True
                take = min(self.frame_samples - filled, chunk.samples.size - chunk.pos)
                out[filled : filled + take] = chunk.samples[chunk.pos : chunk.pos + take]
                filled += take
                chunk.pos += take
                self._queued -= take
                self._current_played += take
                if chunk.pos >= chunk.samples.size:
                    self._chunks.popleft()
                    if chunk.mark is not None:
                        self._emit(PlayoutMark(chunk.mark, chunk.utterance_id))
                    if chunk.last:
                        self._emit(PlayoutFinished(chunk.utterance_id, self.played_ms))
                        self._current = None
                        self._current_played = 0
        self.last_frame_had_audio = had_audio
        timestamp = self._sent_samples / self.sample_rate
        self._sent_samples += self.frame_samples
        self.frames_sent += 1
        frame = self.last_frame = AudioFrame(out, self.sample_rate, timestamp)
        if self.tap is not None:
            self.tap(frame)
        return frame

    def _emit(self, event: PlayoutEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a listener's bug must not stop the audio
                log.exception("playout listener failed on %r", event)
