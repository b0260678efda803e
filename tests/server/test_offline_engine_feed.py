"""The offline engine under a slow recognizer: the pool's backpressure delays the transcript but
must not stop the engine reading its inbox, whose overflow would drop the open turn's own audio
(issue #6: a phone number reached the recognizer as 0.5-1.7 s of its 3 s under load)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence

import numpy as np

from media.clock import FrameClock
from media.engine import EngineInbox, EngineIO, EngineOutput, Role, TranscriptTurn
from media.events import SpeechEnded, SpeechPaused, SpeechStarted
from media.frames import PCM16, AudioFrame
from media.playout import Playout
from media.speech.stt import Band, Partial, Transcript
from media.speech.tts import EspeakTTS
from server.engines.offline import OfflineEngine, Reply
from server.engines.resources import Recognizers
from server.engines.stt_feed import RecognizerFeed

RATE = 16000
FRAME = 320


class SlowRecognizers(Recognizers):
    """A recognizer that takes no audio until `gate` opens (as the pool does with all its
    in-flight slots taken), then hears "yes"; records the order of the requests."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.gate = asyncio.Event()
        self.fed: list[float] = []  # first sample of each frame fed
        self.requests: list[str] = []
        self.codes: list[tuple[str, ...]] = []  # the live codes each turn was begun with

    async def begin(self, session_id: str, context: str | None = None,
                    band: Band = Band.WIDE, codes: Sequence[str] = ()) -> None:
        self.requests.append("begin")
        self.codes.append(tuple(codes))

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True
                   ) -> Partial | None:
        await self.gate.wait()
        self.fed.append(float(pcm16_16k[0]))
        self.requests.append("feed")
        return None

    async def partial(self, session_id: str) -> Partial:
        self.requests.append("partial")
        return Partial("yes" if self.fed else "", 20.0 * len(self.fed))

    async def finish(self, session_id: str) -> Transcript:
        self.requests.append("finish")
        return Transcript("yes", 0.9, (), 20.0 * len(self.fed), 1.0, 1.0)

    async def cancel(self, session_id: str) -> None:
        return None

    async def close(self) -> None:
        return None


class QuietDialogue:
    async def greeting(self) -> Reply:
        return Reply("")

    async def handle(self, text: str, *, confidence: float = 1.0) -> Reply:
        return Reply("")

    async def on_silence(self, seconds: float) -> Reply | None:
        return None

    def on_interrupted(self, spoken_text: str) -> None:
        return None


class AnsweringDialogue(QuietDialogue):
    """Takes "yes" as a whole answer (semantic endpointing)."""

    def answers(self, partial_text: str, paused_ms: int) -> bool:
        return partial_text == "yes"


class CodeAskingDialogue(QuietDialogue):
    """Has asked for a booking code: names the hotel's live ones."""

    @property
    def listening_codes(self) -> tuple[str, ...]:
        return ("CRT8N2", "MRG4X7")


async def _until(predicate: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_slow_recognizer_still_gets_the_whole_turn() -> None:
    stt = SlowRecognizers()
    inbox = EngineInbox(max_audio_frames=10)  # the bridge's bound, small here
    outputs: list[EngineOutput] = []
    io = EngineIO(call_id="slow", playout=Playout(RATE, FrameClock()), inbox=inbox,
                  emit=outputs.append)
    engine = OfflineEngine(stt=stt, tts=EspeakTTS(), dialogue_factory=lambda _io: QuietDialogue(),
                           silence_check_s=600.0)
    task = asyncio.create_task(engine.run(io))
    try:
        inbox.put(SpeechStarted(at=0.0))
        for i in range(60):  # 1.2 s of speech, each frame marked by its first sample
            inbox.put(AudioFrame(np.full(FRAME, i + 1, np.int16), RATE, 0.02 * i))
            await asyncio.sleep(0)  # the bridge yields between frames; the engine reads
        inbox.put(SpeechEnded(started_at=0.0, ended_at=1.2, audio=np.zeros(0, np.int16),
                              sample_rate=RATE))
        for _ in range(5):
            await asyncio.sleep(0)
        stt.gate.set()  # the recognizer catches up
        await _until(lambda: any(isinstance(o, TranscriptTurn) and o.role is Role.GUEST
                                 for o in outputs))
        assert inbox.audio_dropped == 0
        assert stt.fed == [float(i + 1) for i in range(60)]
        assert stt.requests == ["begin", *["feed"] * 60, "finish"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_turns_finish_reaches_the_recognizer_before_the_next_turns_begin() -> None:
    """An engine that fell behind finds two turns in its inbox; the first one's transcript must
    not be lost to the second one's begin (which restarts the session's recognizer)."""
    stt = SlowRecognizers()
    stt.gate.set()
    inbox = EngineInbox(max_audio_frames=100)
    io = EngineIO(call_id="behind", playout=Playout(RATE, FrameClock()), inbox=inbox,
                  emit=lambda _o: None)
    for turn in range(2):
        inbox.put(SpeechStarted(at=1.0 * turn))
        for i in range(5):
            inbox.put(AudioFrame(np.full(FRAME, i + 1, np.int16), RATE, 1.0 * turn + 0.02 * i))
        inbox.put(SpeechEnded(started_at=1.0 * turn, ended_at=1.0 * turn + 0.1,
                              audio=np.zeros(0, np.int16), sample_rate=RATE))
    engine = OfflineEngine(stt=stt, tts=EspeakTTS(), dialogue_factory=lambda _io: QuietDialogue(),
                           silence_check_s=600.0)
    task = asyncio.create_task(engine.run(io))
    try:
        await _until(lambda: stt.requests.count("finish") == 2)
        turn_requests = ["begin", *["feed"] * 5, "finish"]
        assert stt.requests == turn_requests * 2
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_partial_and_finish_answer_after_the_audio_handed_over_before_them() -> None:
    stt = SlowRecognizers()
    feed = RecognizerFeed(stt, "s", max_frames=3)
    task = asyncio.create_task(feed.run())
    try:
        feed.begin("yesno")
        for i in range(5):  # two past the bound: dropped and counted
            feed.feed(np.full(FRAME, i + 1, np.int16))
        partial = feed.partial()
        finish = feed.finish()
        assert feed.waiting_frames == 3 and feed.dropped == 2
        stt.gate.set()
        assert (await partial).text == "yes"
        assert (await finish).text == "yes"
        assert stt.requests == ["begin", "feed", "feed", "feed", "partial", "finish"]
        assert stt.fed == [1.0, 2.0, 3.0]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_requests_left_when_the_call_ends_are_cancelled() -> None:
    stt = SlowRecognizers()  # never opens: the call ends first
    feed = RecognizerFeed(stt, "s")
    task = asyncio.create_task(feed.run())
    feed.begin(None)
    feed.feed(np.zeros(FRAME, np.int16))
    finish = feed.finish()
    await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert finish.cancelled()


async def test_settled_waits_for_the_endpointing_verdict_on_a_pause() -> None:
    """A scripted guest waits for `settled()` before each frame: it must not return while the
    engine still asks the recognizer whether the guest's pause ends the turn, and must return
    once the verdict is given (here: the turn is ended at the pause)."""
    stt = SlowRecognizers()
    inbox = EngineInbox(max_audio_frames=100)
    ended: list[bool] = []

    def end_turn() -> bool:
        ended.append(True)
        return True

    io = EngineIO(call_id="pausing", playout=Playout(RATE, FrameClock()), inbox=inbox,
                  emit=lambda _o: None, end_turn=end_turn)
    engine = OfflineEngine(stt=stt, tts=EspeakTTS(),
                           dialogue_factory=lambda _io: AnsweringDialogue(),
                           silence_check_s=600.0)
    await engine.settled("pausing")  # not running yet: nothing to wait for
    task = asyncio.create_task(engine.run(io))
    try:
        inbox.put(SpeechStarted(at=0.0))
        for i in range(10):
            inbox.put(AudioFrame(np.full(FRAME, i + 1, np.int16), RATE, 0.02 * i))
        inbox.put(SpeechPaused(at=0.2, silent_ms=200))
        settled = asyncio.create_task(engine.settled("pausing"))
        await _until(lambda: len(inbox) == 0)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not settled.done() and not ended  # the recognizer has not answered yet
        stt.gate.set()
        await asyncio.wait_for(settled, 10)
        assert ended == [True]
        assert stt.requests == ["begin", *["feed"] * 10, "partial"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await asyncio.wait_for(engine.settled("pausing"), 10)  # ended: returns at once


async def test_a_turn_is_begun_with_the_live_codes_the_dialogue_listens_for() -> None:
    stt = SlowRecognizers()
    stt.gate.set()
    inbox = EngineInbox(max_audio_frames=100)
    io = EngineIO(call_id="codes", playout=Playout(RATE, FrameClock()), inbox=inbox,
                  emit=lambda _o: None)
    inbox.put(SpeechStarted(at=0.0))
    inbox.put(AudioFrame(np.ones(FRAME, np.int16), RATE, 0.0))
    inbox.put(SpeechEnded(started_at=0.0, ended_at=0.02, audio=np.zeros(0, np.int16),
                          sample_rate=RATE))
    engine = OfflineEngine(stt=stt, tts=EspeakTTS(),
                           dialogue_factory=lambda _io: CodeAskingDialogue(),
                           silence_check_s=600.0)
    task = asyncio.create_task(engine.run(io))
    try:
        await _until(lambda: "finish" in stt.requests)
        assert stt.codes == [("CRT8N2", "MRG4X7")]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
