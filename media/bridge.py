"""The call bridge: guest audio → turn detection → engine, engine → playout. Barge-in lives here.

The bridge always reads the source (aiortc's receive queue is unbounded, so an unread track grows
without limit), hands frames and turn events to the engine's inbox, and when the guest starts
speaking over the agent it clears the playout and tells the engine how much was heard.

Barge-in has two stages so it is both quick and hard to trigger by accident: a `SpeechCandidate`
(a few tens of ms of speech) over the agent PAUSES the playout at once; `SpeechStarted` then
clears it (`interrupt()`, reporting what was played up to the pause), while `CandidateDropped`
(a cough, a click, "mm-hm") resumes it where it stopped and nothing is interrupted. The hold is
bounded (`hold_max_ms`, enforced by the playout itself) in case neither decision comes.

An optional echo canceller (`media.echo_cancel`) takes the agent's echo out of the audio the
engine, the recording and staff hear; turn detection hears the raw line, and the canceller's
levels for each frame (what it predicted, what it left) as a second way past its echo gate.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable

from media.echo_cancel import EchoCanceller
from media.engine import Engine, EngineInbox, EngineIO, EngineOutput, Interrupted
from media.errors import TransportClosed
from media.events import (
    CandidateDropped,
    PlayoutEvent,
    PlayoutFinished,
    PlayoutStarted,
    SpeechCandidate,
    SpeechStarted,
    TurnEvent,
)
from media.frames import AudioFrame
from media.playout import Playout
from media.recording import CallRecorder
from media.source import AudioSource
from media.turns import TurnDetector

log = logging.getLogger(__name__)

# Longest a soft barge-in may hold the agent without a decision. The detector settles a
# candidate within min_speech_ms + max_gap_ms or so; past this bound the agent carries on.
HOLD_MAX_MS = 800.0


async def stop_task(task: asyncio.Task[None], what: str, *, retry_s: float = 0.5,
                    attempts: int = 20) -> None:
    """Cancel `task` and wait until it ends, cancelling again while it does not: on Python 3.11
    `asyncio.wait_for` returns its inner result instead of raising when a cancel lands just as
    the inner await completes (an engine reading its inbox with a timeout hits this), and one
    swallowed cancel must not leave the owner waiting forever."""
    for attempt in range(attempts):
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=retry_s)
        if done:
            if not task.cancelled() and task.exception() is not None:
                log.debug("%s ended with %r", what, task.exception())
            return
        if attempt == 0:
            log.warning("%s ignored a cancel; cancelling again", what)
    log.error("%s would not stop after %d cancels; leaving it", what, attempts)


class LevelMeter:
    """Mean level of the guest's audio over one-second windows (logged at debug)."""

    def __init__(self, call_id: str, window_s: float = 1.0) -> None:
        self.call_id = call_id
        self.window_s = window_s
        self._sum_sq = 0.0
        self._count = 0
        self._elapsed = 0.0
        self.last_dbfs = -120.0

    def add(self, frame: AudioFrame) -> None:
        samples = frame.samples.astype("float64")
        self._sum_sq += float((samples * samples).sum())
        self._count += samples.size
        self._elapsed += frame.duration_ms / 1000.0
        if self._elapsed >= self.window_s:
            rms = math.sqrt(self._sum_sq / max(1, self._count))
            self.last_dbfs = max(-120.0, 20 * math.log10(rms / 32768.0)) if rms > 0 else -120.0
            log.debug("call %s guest level %.1f dBFS", self.call_id, self.last_dbfs)
            self._sum_sq = 0.0
            self._count = 0
            self._elapsed = 0.0


class CallBridge:
    def __init__(
        self,
        call_id: str,
        source: AudioSource,
        playout: Playout,
        engine: Engine,
        *,
        emit: Callable[[EngineOutput], None],
        turn_detector: TurnDetector | None = None,
        caller: str | None = None,
        barge_in: bool = True,
        recorder: CallRecorder | None = None,
        hold_max_ms: float = HOLD_MAX_MS,
        max_engine_audio_frames: int = 50,
        echo_canceller: EchoCanceller | None = None,
    ) -> None:
        self.call_id = call_id
        self.source = source
        self.playout = playout
        self.engine = engine
        self.turn_detector = turn_detector
        self.barge_in = barge_in
        self.hold_max_ms = hold_max_ms
        self._holding = False  # this bridge paused the playout for a speech candidate
        self.holds = 0  # soft barge-ins started (pauses), for stats and benches
        self.holds_released = 0  # candidates that fizzled: the agent resumed
        self.turns_ended_early = 0  # turns the engine ended at a pause (semantic endpointing)
        self.detector_failures = 0  # frames the turn detector raised on (each reset it)
        self.meter = LevelMeter(call_id)
        # How far (in guest frames) the engine may fall behind before its oldest audio is
        # dropped: 1 s in real time (a test that speaks faster scales it by its pace).
        self.inbox = EngineInbox(max_engine_audio_frames)
        self.io = EngineIO(call_id=call_id, playout=playout, inbox=self.inbox, emit=emit,
                           caller=caller, end_turn=self.end_turn, line_rate=source.line_rate)
        self.engine_paused = False
        self.recorder = recorder
        # Takes the agent's echo out of the guest's audio for what listens to their words: the
        # engine (its recognizer), the recording, staff listening in. The turn detector keeps
        # the line as it came (its echo gate is fitted to the raw echo; a canceller's leftover
        # follows no one delay of the agent) and gets the canceller's levels beside it: the
        # leftover under the echo the canceller predicted (`VadConfig.leftover_echo`).
        self.echo_canceller = echo_canceller
        # Extra readers of the guest's audio (the console's listen-in); called on the loop,
        # so each must be cheap and never raise.
        self.inbound_taps: list[Callable[[AudioFrame], None]] = []
        if recorder is not None or echo_canceller is not None:
            playout.tap = self._on_agent_frame
        playout.add_listener(self._on_playout_event)

    def _on_playout_event(self, event: PlayoutEvent) -> None:
        if isinstance(event, PlayoutStarted | PlayoutFinished):
            log.debug("call %s playout %s", self.call_id, event)
        self.inbox.put(event)

    def interrupt(self) -> Interrupted:
        """Stop the agent mid-sentence and tell the engine how much the guest heard (up to the
        pause, when a soft barge-in had held the playout)."""
        self._holding = False
        cleared = self.playout.clear()
        event = Interrupted(cleared.utterance_id, cleared.played_ms)
        self.inbox.put(event)
        return event

    def end_turn(self) -> bool:
        """The engine judged the guest's turn complete during a pause: end it now rather than
        after the hangover (semantic endpointing). False if the guest spoke again meanwhile."""
        if self.turn_detector is None or self.engine_paused:
            return False
        event = self.turn_detector.end_turn_if_paused()
        if event is None:
            return False
        self.turns_ended_early += 1
        self.inbox.put(event)
        return True

    def _barge_in(self, event: TurnEvent) -> None:
        """Pause on a candidate over the agent, clear on a turn, resume when it fizzles."""
        if isinstance(event, SpeechCandidate):
            if self.barge_in and self.playout.is_playing and not self.playout.paused:
                self._holding = self.playout.pause(self.hold_max_ms)
                if self._holding:
                    self.holds += 1
        elif isinstance(event, SpeechStarted):
            if self.barge_in and self.playout.is_playing:
                self.interrupt()
            self._holding = False
        elif isinstance(event, CandidateDropped) and self._release_hold():
            self.holds_released += 1

    def _on_agent_frame(self, frame: AudioFrame) -> None:
        """Every frame the playout sends the guest: recorded, and the canceller's reference."""
        if self.recorder is not None:
            self.recorder.write_agent(frame)
        if self.echo_canceller is not None:
            self.echo_canceller.reference(frame)

    def _cancel_echo(self, canceller: EchoCanceller, frame: AudioFrame) -> AudioFrame:
        """`frame` without the agent's echo. A canceller that fails is dropped (logged with
        the traceback) and the call goes on with the audio as it came."""
        try:
            return canceller.process(frame)
        except Exception:
            log.exception("call %s: echo canceller failed; the call goes on without it",
                          self.call_id)
            self.echo_canceller = None
            return frame

    def _detect_turns(self, detector: TurnDetector, frame: AudioFrame) -> list[TurnEvent]:
        """The detector's events for `frame`. A detector that fails is reset and the call goes
        on without its events for that frame (logged once with the traceback, then counted):
        a fault in turn detection must not end the guest's call."""
        try:
            cancelled = None if self.echo_canceller is None else self.echo_canceller.last
            return detector.process(frame, self.playout.last_frame, cancelled)
        except Exception:
            self.detector_failures += 1
            if self.detector_failures == 1:
                log.exception("call %s: turn detector failed; reset, the call goes on",
                              self.call_id)
            elif self.detector_failures % 500 == 0:
                log.error("call %s: turn detector failed %d times", self.call_id,
                          self.detector_failures)
            self._release_hold()
            detector.reset()
            return []

    def _release_hold(self) -> bool:
        """Resume a playout this bridge held (a no-op if the hold already timed out)."""
        if not self._holding:
            return False
        self._holding = False
        return self.playout.resume()

    async def run(self) -> None:
        """Run until the source ends or the task is cancelled; the engine task is owned here."""
        engine_task = asyncio.create_task(self.engine.run(self.io), name=f"engine-{self.call_id}")
        try:
            while True:
                try:
                    frame = await self.source.recv()
                except TransportClosed:
                    log.info("call %s: inbound audio ended", self.call_id)
                    return
                heard = frame  # the guest's words: with the agent's echo taken out, if on
                if self.echo_canceller is not None:
                    heard = self._cancel_echo(self.echo_canceller, frame)
                self.meter.add(heard)
                if self.recorder is not None:
                    self.recorder.write_guest(heard)
                for tap in self.inbound_taps:
                    tap(heard)
                if self.engine_paused:
                    self._release_hold()  # staff took over: their voice must not be held
                    continue
                if self.turn_detector is not None:  # on the line as it came (see __init__)
                    for event in self._detect_turns(self.turn_detector, frame):
                        self._barge_in(event)
                        self.inbox.put(event)
                if self.io.wants_audio:
                    self.inbox.put(heard)
                if engine_task.done():
                    exc = engine_task.exception()
                    if exc is not None:
                        log.error("call %s: engine failed", self.call_id, exc_info=exc)
                    return
        finally:
            self.source.close()
            await stop_task(engine_task, f"call {self.call_id}: engine")
