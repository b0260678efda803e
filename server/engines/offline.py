"""The offline engine: local speech in, hotel dialogue, local speech out. No network.

VAD turns from the bridge drive it: audio is streamed to a recognizer worker while the guest
speaks, so the final text is ready soon after the turn ends (through a `RecognizerFeed`: a
recognizer that falls behind delays the text but never stops the inbox); the dialogue manager
answers (calling hotel tools), and the speaker plays the reply sentence by sentence. Turn
handling runs in its own task so the inbox keeps streaming audio (and barge-ins) while a reply
is prepared.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from media.engine import (
    AgentState,
    EndCallRequested,
    EngineIO,
    Interrupted,
    Role,
    StateChanged,
    ToolCall,
    TranscriptTurn,
)
from media.events import (
    PlayoutCleared,
    PlayoutFinished,
    PlayoutStarted,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
)
from media.frames import AudioFrame
from media.preroll import PreRoll
from media.speech.hotel_lm import context_for
from media.speech.stt import Band, Transcript
from media.speech.tts import EspeakTTS
from server.engines.resources import Recognizers
from server.engines.speaker import Speaker, Utterance
from server.engines.stt_feed import RecognizerFeed

log = logging.getLogger(__name__)

SILENCE_CHECK_EVERY_S = 0.25  # how often a quiet line is checked for the guest's silence
APOLOGY = "Sorry, I had a problem understanding that. Could you say it again?"


class ReplyLike(Protocol):
    """What the dialogue wants said and done (the engine's view of a dialogue reply)."""

    @property
    def text(self) -> str: ...
    @property
    def tool_calls(self) -> tuple[ToolCall, ...]: ...
    @property
    def end_call(self) -> bool: ...
    @property
    def outcome(self) -> str | None: ...


@runtime_checkable
class ExpectingReply(Protocol):
    """A reply that names what it asked for (`server.dialogue.Reply.expecting`), so the guest's
    next turn is recognized with the matching context."""

    @property
    def expecting(self) -> str | None: ...


@dataclass(frozen=True)
class Reply:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    end_call: bool = False
    outcome: str | None = None
    expecting: str | None = None


class Dialogue(Protocol):
    async def greeting(self) -> ReplyLike: ...
    async def handle(self, text: str, *, confidence: float = 1.0) -> ReplyLike: ...
    async def on_silence(self, seconds: float) -> ReplyLike | None: ...
    def on_interrupted(self, spoken_text: str) -> None: ...


@runtime_checkable
class ChoosingDialogue(Protocol):
    """A dialogue that can pick, from the recognizer's n-best hypotheses (best first), the one
    that answers what it asked."""

    def choose(self, hypotheses: Sequence[str]) -> str: ...


@runtime_checkable
class EndpointingDialogue(Protocol):
    """A dialogue that can tell from a partial transcript that the guest has already answered
    what it asked; the engine then ends the turn at a short pause instead of after the VAD
    hangover (semantic endpointing)."""

    def answers(self, partial_text: str, paused_ms: int) -> bool: ...


@runtime_checkable
class CodeListeningDialogue(Protocol):
    """A dialogue that, having asked for a booking code, names the codes the guest may spell
    (the hotel's live bookings), so the recognizer can hear a half-heard code as the live one
    the audio fits (`media.speech.spelled_codes`); () otherwise."""

    @property
    def listening_codes(self) -> tuple[str, ...]: ...


@runtime_checkable
class HearingDialogue(Protocol):
    """A dialogue that weighs the recognizer's per-word confidences: `heard()` gets the words
    of the text the next `handle()` gets (ignored when another hypothesis was chosen)."""

    def heard(self, words: Sequence[tuple[str, float]]) -> None: ...


DialogueFactory = Callable[[EngineIO], Dialogue]


@dataclass
class _GuestTurn:
    ended_wall: float  # wall time the end of the turn was detected
    started_wall: float
    transcript: Awaitable[Transcript]


@dataclass
class _Pending:
    """Latency bookkeeping for the reply now being spoken."""

    turn: _GuestTurn | None
    reply: ReplyLike
    stt_ms: float | None = None
    engine_ms: float | None = None
    text_ready_wall: float = field(default_factory=time.time)


class OfflineEngine:
    name = "offline"
    input_rate = 16000

    def __init__(self, *, stt: Recognizers, tts: EspeakTTS,
                 dialogue_factory: DialogueFactory, silence_check_s: float = 15.0) -> None:
        self.stt = stt
        self.tts = tts
        self.dialogue_factory = dialogue_factory
        self.silence_check_s = silence_check_s
        self._calls: dict[str, _OfflineCall] = {}

    async def run(self, io: EngineIO) -> None:
        call = self._calls[io.call_id] = _OfflineCall(self, io)
        try:
            await call.run()
        finally:
            self._calls.pop(io.call_id, None)

    async def settled(self, call_id: str) -> None:
        """Until the call's inputs so far are read and any endpointing verdict on them is
        given (at once for a call that is not running). A scripted guest waits for this
        before each frame, so where its turns end does not depend on how fast the
        recognizer answered on a loaded machine (the spoken tests)."""
        call = self._calls.get(call_id)
        while call is not None and self._calls.get(call_id) is call:
            if len(call.io.inbox):
                await asyncio.sleep(0.001)  # the inbox loop's turn (it may be synthesizing)
                continue
            verdict = call.endpointing
            if verdict is None or verdict.done():
                return
            await asyncio.wait({verdict})


class _OfflineCall:
    """One call's state inside the offline engine."""

    def __init__(self, engine: OfflineEngine, io: EngineIO) -> None:
        self.engine = engine
        self.io = io
        self.speaker = Speaker(io.playout, engine.tts)
        self.dialogue = engine.dialogue_factory(io)
        self.preroll = PreRoll()
        self.in_turn = False
        self.turn_seq = 0  # counts guest turns, so a late endpointing verdict is ignored
        self.turn_started_wall = 0.0
        self.turn_audio: list[float] = []  # stream time of each frame fed this turn (for logs)
        self.endpointing: asyncio.Task[None] | None = None
        self.turns: asyncio.Queue[_GuestTurn] = asyncio.Queue(maxsize=8)
        self.speaking: asyncio.Task[None] | None = None
        self.end_after: str | None = None  # the goodbye utterance; the call ends after it
        self.pending: dict[str, _Pending] = {}
        self.last_activity = time.monotonic()
        self.ending = False
        self.responding = False
        self.end_outcome: str | None = None
        self.stt_id = f"{io.call_id}"
        # Recognizer requests in order, off the inbox loop: a slow recognizer delays the
        # transcript instead of stopping the inbox (whose overflow would drop the turn's audio).
        self.stt = RecognizerFeed(engine.stt, self.stt_id, band=Band.of_line(io.line_rate))
        self.expecting: str | None = None  # what the agent's last reply asked for

    async def run(self) -> None:
        responder = asyncio.create_task(self._respond_loop(), name=f"respond-{self.io.call_id}")
        feeder = asyncio.create_task(self.stt.run(), name=f"stt-feed-{self.io.call_id}")
        try:
            await self._speak(await self.dialogue.greeting(), None)
            await self._listen()
        finally:
            responder.cancel()
            feeder.cancel()
            if self.speaking is not None:
                self.speaking.cancel()
            if self.endpointing is not None:
                self.endpointing.cancel()
            await asyncio.gather(feeder, return_exceptions=True)  # sends nothing after this
            with contextlib.suppress(Exception):
                await self.engine.stt.cancel(self.stt_id)
            owned = [t for t in (responder, self.endpointing) if t is not None]
            await asyncio.gather(*owned, return_exceptions=True)

    # -- input -------------------------------------------------------------------------------
    async def _listen(self) -> None:
        inbox = self.io.inbox
        next_check = time.monotonic() + SILENCE_CHECK_EVERY_S
        while True:
            # Audio frames arrive every 20 ms while the guest is connected, so the silence
            # check runs on the clock, not only when the inbox goes quiet.
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + SILENCE_CHECK_EVERY_S
                await self._check_silence()
            try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
                async with asyncio.timeout(SILENCE_CHECK_EVERY_S):
                    item = await inbox.get()
            except TimeoutError:
                continue
            if isinstance(item, AudioFrame):
                if self.in_turn:
                    self._feed(item)
                else:
                    self.preroll.append(item)
            elif isinstance(item, SpeechStarted):
                self._turn_started(item.at)
            elif isinstance(item, SpeechPaused):
                self._paused(item.silent_ms)
            elif isinstance(item, SpeechEnded):
                self._turn_ended()
            elif isinstance(item, Interrupted):
                self._interrupted(item)
            elif isinstance(item, PlayoutStarted):
                self._first_audio(item.utterance_id)
            elif isinstance(item, PlayoutFinished):
                self._finished(item.utterance_id)
            elif isinstance(item, PlayoutCleared):
                self.io.emit(StateChanged(AgentState.LISTENING))

    def _feed(self, frame: AudioFrame) -> None:
        self.turn_audio.append(frame.timestamp)
        self.stt.feed(frame.samples)

    def _turn_started(self, onset: float) -> None:
        self.in_turn = True
        self.turn_seq += 1
        self.last_activity = time.monotonic()
        self.turn_started_wall = time.time()
        self.turn_audio = []
        codes = self.dialogue.listening_codes \
            if isinstance(self.dialogue, CodeListeningDialogue) else ()
        self.stt.begin(context_for(self.expecting), codes)
        for frame in self.preroll.take_from(onset):
            self._feed(frame)
        log.debug("call %s: turn %d from %.2f s; %d frames of pre-roll from %.2f s",
                  self.io.call_id, self.turn_seq, onset, len(self.turn_audio),
                  self.turn_audio[0] if self.turn_audio else float("nan"))

    def _paused(self, silent_ms: int) -> None:
        """The guest paused mid-turn: if what they said so far is a whole answer, end the turn
        now (the reply starts 200-400 ms after they stop, not after the 600 ms hangover)."""
        if not self.in_turn or not isinstance(self.dialogue, EndpointingDialogue):
            return
        if self.endpointing is not None and not self.endpointing.done():
            return
        self.endpointing = asyncio.create_task(self._end_if_answered(self.turn_seq, silent_ms),
                                               name=f"endpoint-{self.io.call_id}")

    async def _end_if_answered(self, seq: int, silent_ms: int) -> None:
        assert isinstance(self.dialogue, EndpointingDialogue)
        try:
            so_far = await self.stt.partial()
        except Exception:
            log.exception("call %s: partial recognition failed", self.io.call_id)
            return
        if seq != self.turn_seq or not self.in_turn or \
                not self.dialogue.answers(so_far.text, silent_ms):
            return
        if self.io.end_turn():  # False if the guest spoke again meanwhile
            log.debug("call %s: turn ended at a pause on %r", self.io.call_id, so_far.text)

    def _turn_ended(self) -> None:
        if not self.in_turn:
            return
        self.in_turn = False
        self.last_activity = time.monotonic()
        if log.isEnabledFor(logging.DEBUG):  # the scan below is only for this log line
            fed = self.turn_audio
            gaps = sum(1 for a, b in itertools.pairwise(fed) if not 0.015 < b - a < 0.025)
            log.debug("call %s: turn %d ended; %d frames fed (%.2f-%.2f s), %d gaps; %d wait "
                      "for the recognizer; in the call the inbox dropped %d frames, the "
                      "recognizer feed %d", self.io.call_id, self.turn_seq, len(fed),
                      fed[0] if fed else float("nan"), fed[-1] if fed else float("nan"), gaps,
                      self.stt.waiting_frames, self.io.inbox.audio_dropped, self.stt.dropped)
        turn = _GuestTurn(ended_wall=time.time(), started_wall=self.turn_started_wall,
                          transcript=self.stt.finish())
        try:
            self.turns.put_nowait(turn)
        except asyncio.QueueFull:
            log.warning("call %s: guest turns backing up; dropping one", self.io.call_id)

    async def _check_silence(self) -> None:
        if self.io.playout.is_playing:
            self.last_activity = time.monotonic()  # silence counts from the agent's last word
            return
        if self.in_turn or self.ending or self.responding or not self.turns.empty():
            return
        quiet = time.monotonic() - self.last_activity
        if quiet < self.engine.silence_check_s:
            return
        self.last_activity = time.monotonic()
        reply = await self.dialogue.on_silence(quiet)
        if reply is not None:
            await self._speak(reply, None)

    # -- replies -----------------------------------------------------------------------------
    async def _respond_loop(self) -> None:
        while True:
            turn = await self.turns.get()
            self.responding = True  # the guest is waiting for us: not a silence
            try:
                await self._respond(turn)
            finally:
                self.responding = False
                self.last_activity = time.monotonic()

    async def _respond(self, turn: _GuestTurn) -> None:
        call_id = self.io.call_id
        try:
            transcript = await turn.transcript
        except Exception:
            log.exception("call %s: speech recognition failed", call_id)
            # The guest's turn stays in the transcript, unheard, like one heard as nothing.
            self.io.emit(TranscriptTurn(role=Role.GUEST, text="", started_at=turn.started_wall,
                                        ended_at=turn.ended_wall))
            await self._speak(Reply(APOLOGY), turn)
            return
        text_at = time.time()
        stt_ms = 1000.0 * (text_at - turn.ended_wall)
        text = transcript.text
        if transcript.alternatives and isinstance(self.dialogue, ChoosingDialogue):
            text = self.dialogue.choose((text, *transcript.alternatives))
        self.io.emit(TranscriptTurn(role=Role.GUEST, text=text,
                                    started_at=turn.started_wall, ended_at=turn.ended_wall,
                                    stt_ms=round(stt_ms, 1)))
        self.io.emit(StateChanged(AgentState.THINKING))
        if isinstance(self.dialogue, HearingDialogue):
            self.dialogue.heard([(w.text, w.confidence) for w in transcript.words])
        try:
            reply = await self.dialogue.handle(text, confidence=transcript.confidence)
        except Exception:
            log.exception("call %s: dialogue failed", call_id)
            reply = Reply(APOLOGY)
        engine_ms = 1000.0 * (time.time() - text_at)
        await self._speak(reply, turn, stt_ms=stt_ms, engine_ms=engine_ms)

    async def _speak(self, reply: ReplyLike, turn: _GuestTurn | None, *,
                     stt_ms: float | None = None, engine_ms: float | None = None) -> None:
        if reply.end_call:
            self.ending = True
            self.end_outcome = reply.outcome
        if reply.text:
            self.expecting = reply.expecting if isinstance(reply, ExpectingReply) else None
        if not reply.text:
            if reply.end_call:
                self._end()
            return
        if self.speaking is not None and not self.speaking.done():
            await asyncio.gather(self.speaking, return_exceptions=True)
        utterance = self.speaker.prepare(reply.text)
        self.pending[utterance.id] = _Pending(turn, reply, stt_ms, engine_ms)
        if reply.end_call:
            self.end_after = utterance.id
        speaking = self.speaking = asyncio.ensure_future(self.speaker.play(utterance))
        try:
            await asyncio.shield(speaking)
        except asyncio.CancelledError:
            if speaking.cancelled():
                return  # barge-in stopped it; the interrupted turn is recorded there
            raise
        except Exception:
            log.exception("call %s: speech synthesis failed", self.io.call_id)
            if not utterance.done:  # the transcript keeps what was queued before the failure
                utterance.done = True
                if utterance.sentences:
                    self._agent_turn(utterance, " ".join(utterance.sentences),
                                     interrupted=False)
                else:
                    self.pending.pop(utterance.id, None)
            if reply.end_call:
                self._end()
            elif reply.text != APOLOGY:  # one try: a synthesizer that cannot say it is logged
                await self._speak(Reply(APOLOGY), None)

    def _end(self) -> None:
        self.io.emit(EndCallRequested(self.end_outcome or "agent_ended"))

    def _first_audio(self, utterance_id: str) -> None:
        self.io.emit(StateChanged(AgentState.SPEAKING))
        utterance = self.speaker.utterances.get(utterance_id)
        if utterance is not None and utterance.first_audio_at is None:
            utterance.first_audio_at = time.time()

    def _agent_turn(self, utterance: Utterance, text: str, interrupted: bool) -> None:
        pending = self.pending.pop(utterance.id, None)
        first = utterance.first_audio_at
        turn = pending.turn if pending else None
        self.io.emit(TranscriptTurn(
            role=Role.AGENT, text=text, started_at=first or utterance.queued_at,
            ended_at=time.time(), interrupted=interrupted,
            tool_calls=pending.reply.tool_calls if pending else (),
            stt_ms=_r(pending.stt_ms) if pending else None,
            engine_ms=_r(pending.engine_ms) if pending else None,
            first_audio_ms=_r(1000 * (first - pending.text_ready_wall))
            if pending and first else None,
            voice_to_voice_ms=_r(1000 * (first - turn.ended_wall)) if turn and first else None,
        ))

    def _finished(self, utterance_id: str) -> None:
        self.io.emit(StateChanged(AgentState.LISTENING))
        self.last_activity = time.monotonic()
        utterance = self.speaker.utterances.get(utterance_id)
        if utterance is not None and not utterance.done:
            utterance.done = True
            self._agent_turn(utterance, utterance.text, interrupted=False)
        if utterance_id == self.end_after:
            self._end()

    def _interrupted(self, event: Interrupted) -> None:
        if self.speaking is not None and not self.speaking.done():
            self.speaking.cancel()
        utterance = self.speaker.utterances.get(event.utterance_id or "")
        if utterance is None or utterance.done:
            return
        utterance.done = True
        heard = utterance.spoken_text(event.played_ms)
        self._agent_turn(utterance, heard, interrupted=True)
        self.dialogue.on_interrupted(heard)
        if utterance.id == self.end_after:
            self._end()


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
