"""Issue #6, bad input: a recognizer or synthesizer failure on one turn gets a spoken apology,
is logged with the call id, leaves the turn in the transcript, and the call goes on."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np
import pytest

from media.clock import FrameClock
from media.engine import EngineInbox, EngineIO, EngineOutput, Role, TranscriptTurn
from media.events import SpeechEnded, SpeechStarted
from media.frames import PCM16, AudioFrame
from media.playout import Playout
from media.speech.stt import Partial, Transcript
from media.speech.tts import EspeakTTS
from server.engines.offline import APOLOGY, OfflineEngine, Reply
from server.engines.resources import Recognizers

RATE = 16000
FRAME = 320


class FailingOnceRecognizers(Recognizers):
    """Fails the first turn's transcript (a worker that died), hears "yes" after that."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.finishes = 0

    async def begin(self, session_id: str, context: str | None = None) -> None:
        return None

    async def feed(self, session_id: str, pcm16_16k: PCM16, wait: bool = True
                   ) -> Partial | None:
        return None

    async def partial(self, session_id: str) -> Partial:
        return Partial("", 0.0)

    async def finish(self, session_id: str) -> Transcript:
        self.finishes += 1
        if self.finishes == 1:
            raise RuntimeError("recognizer worker died")
        return Transcript("yes", 0.9, (), 200.0, 1.0, 1.0)

    async def cancel(self, session_id: str) -> None:
        return None

    async def close(self) -> None:
        return None


class EchoDialogue:
    """Answers every text it is handed with "You said <text>."."""

    def __init__(self) -> None:
        self.handled: list[str] = []

    async def greeting(self) -> Reply:
        return Reply("")

    async def handle(self, text: str, *, confidence: float = 1.0) -> Reply:
        self.handled.append(text)
        return Reply(f"You said {text}.")

    async def on_silence(self, seconds: float) -> Reply | None:
        return None

    def on_interrupted(self, spoken_text: str) -> None:
        return None


def _turn(inbox: EngineInbox, at: float) -> None:
    inbox.put(SpeechStarted(at=at))
    for i in range(10):
        inbox.put(AudioFrame(np.full(FRAME, 1000, np.int16), RATE, at + 0.02 * i))
    inbox.put(SpeechEnded(started_at=at, ended_at=at + 0.2, audio=np.zeros(0, np.int16),
                          sample_rate=RATE))


def _agent_turns(outputs: list[EngineOutput]) -> list[str]:
    return [o.text for o in outputs if isinstance(o, TranscriptTurn) and o.role is Role.AGENT]


async def _play_until(playout: Playout, outputs: list[EngineOutput], n_agent_turns: int) -> None:
    """Pulls the agent's audio as a transport would, until `n_agent_turns` are recorded."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30.0  # a bound for a loaded machine, not a timing check
    while loop.time() < deadline:
        if len(_agent_turns(outputs)) >= n_agent_turns:
            return
        playout.pull_frame()  # TTS runs in a thread: give it time between frames
        await asyncio.sleep(0.002)
    raise AssertionError(f"agent turns so far: {_agent_turns(outputs)}")


async def test_a_failed_recognition_is_apologised_for_and_the_call_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    inbox = EngineInbox(max_audio_frames=100)
    playout = Playout(RATE, FrameClock())
    playout.add_listener(inbox.put)  # as the bridge does
    outputs: list[EngineOutput] = []
    io = EngineIO(call_id="call-stt-fails", playout=playout, inbox=inbox, emit=outputs.append)
    dialogue = EchoDialogue()
    engine = OfflineEngine(stt=FailingOnceRecognizers(), tts=EspeakTTS(),
                           dialogue_factory=lambda _io: dialogue, silence_check_s=600.0)

    caplog.set_level(logging.ERROR, logger="server.engines.offline")
    task = asyncio.create_task(engine.run(io))
    try:
        _turn(inbox, 0.0)
        await _play_until(playout, outputs, 1)
        assert _agent_turns(outputs) == [APOLOGY]
        assert dialogue.handled == []  # nothing was heard, so nothing was acted on
        assert any("call-stt-fails" in r.getMessage() and r.exc_info for r in caplog.records)
        guest = [o for o in outputs if isinstance(o, TranscriptTurn) and o.role is Role.GUEST]
        assert [g.text for g in guest] == [""]  # the turn is kept, unheard

        _turn(inbox, 5.0)  # the call goes on: the next turn is heard and answered
        await _play_until(playout, outputs, 2)
        assert _agent_turns(outputs) == [APOLOGY, "You said yes."]
        assert dialogue.handled == ["yes"]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class FailingTTS(EspeakTTS):
    """Cannot say the dialogue's answers ("You said ..."); says anything else."""

    async def synthesize(self, text: str) -> tuple[PCM16, int]:
        if text.startswith("You said"):
            raise RuntimeError("synthesizer crashed")
        return await super().synthesize(text)


async def test_a_failed_synthesis_is_apologised_for(caplog: pytest.LogCaptureFixture) -> None:
    stt = FailingOnceRecognizers()
    stt.finishes = 1  # recognition works from the first turn
    inbox = EngineInbox(max_audio_frames=100)
    playout = Playout(RATE, FrameClock())
    playout.add_listener(inbox.put)
    outputs: list[EngineOutput] = []
    io = EngineIO(call_id="call-tts-fails", playout=playout, inbox=inbox, emit=outputs.append)
    dialogue = EchoDialogue()
    engine = OfflineEngine(stt=stt, tts=FailingTTS(), dialogue_factory=lambda _io: dialogue,
                           silence_check_s=600.0)
    caplog.set_level(logging.ERROR, logger="server.engines.offline")
    task = asyncio.create_task(engine.run(io))
    try:
        _turn(inbox, 0.0)
        await _play_until(playout, outputs, 1)
        assert _agent_turns(outputs) == [APOLOGY]
        assert dialogue.handled == ["yes"]
        assert any("call-tts-fails" in r.getMessage() and r.exc_info for r in caplog.records)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
