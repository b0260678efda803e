"""Issue #6, bad input: a recognizer or synthesizer failure on one turn gets a spoken apology,
is logged with the call id, leaves the turn in the transcript, and the call goes on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import numpy as np
import pytest

from media.clock import FrameClock
from media.engine import EngineInbox, EngineIO, EngineOutput, Role, TranscriptTurn
from media.events import SpeechEnded, SpeechStarted
from media.frames import PCM16, AudioFrame
from media.playout import Playout
from media.speech.stt import Transcript
from media.speech.tts import EspeakTTS
from server.engines.offline import APOLOGY, OfflineEngine, Reply
from tests.server.test_spoken_call import FakeRecognizers

RATE = 16000
FRAME = 320


class FailingOnceRecognizers(FakeRecognizers):
    """Fails the first turn's transcript (a worker that died), hears "yes" after that."""

    def __init__(self, failures: int = 1) -> None:
        super().__init__()
        self.failures = failures

    async def finish(self, session_id: str) -> Transcript:
        if self.failures > 0:
            self.failures -= 1
            raise RuntimeError("recognizer worker died")
        return await super().finish(session_id)


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


class _Call:
    """One offline-engine call with a transport stand-in that pulls the agent's audio."""

    def __init__(self, call_id: str, stt: FakeRecognizers, tts: EspeakTTS) -> None:
        self.inbox = EngineInbox(max_audio_frames=100)
        self.playout = Playout(RATE, FrameClock())
        self.playout.add_listener(self.inbox.put)  # as the bridge does
        self.outputs: list[EngineOutput] = []
        self.io = EngineIO(call_id=call_id, playout=self.playout, inbox=self.inbox,
                           emit=self.outputs.append)
        self.dialogue = EchoDialogue()
        self.engine = OfflineEngine(stt=stt, tts=tts, dialogue_factory=lambda _io: self.dialogue,
                                    silence_check_s=600.0)

    def turns(self, role: Role) -> list[str]:
        return [o.text for o in self.outputs if isinstance(o, TranscriptTurn) and o.role is role]

    async def play_until(self, n_agent_turns: int) -> None:
        """Pulls the agent's audio as a transport would, until `n_agent_turns` are recorded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30.0  # a bound for a loaded machine, not a timing check
        while loop.time() < deadline:
            if len(self.turns(Role.AGENT)) >= n_agent_turns:
                return
            self.playout.pull_frame()  # TTS runs in a thread: give it time between frames
            await asyncio.sleep(0.002)
        raise AssertionError(f"agent turns so far: {self.turns(Role.AGENT)}")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        task = asyncio.create_task(self.engine.run(self.io))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_a_failed_recognition_is_apologised_for_and_the_call_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    call = _Call("call-stt-fails", FailingOnceRecognizers(), EspeakTTS())
    caplog.set_level(logging.ERROR, logger="server.engines.offline")
    async with call.running():
        _turn(call.inbox, 0.0)
        await call.play_until(1)
        assert call.turns(Role.AGENT) == [APOLOGY]
        assert call.dialogue.handled == []  # nothing was heard, so nothing was acted on
        assert any("call-stt-fails" in r.getMessage() and r.exc_info for r in caplog.records)
        assert call.turns(Role.GUEST) == [""]  # the turn is kept, unheard

        _turn(call.inbox, 5.0)  # the call goes on: the next turn is heard and answered
        await call.play_until(2)
        assert call.turns(Role.AGENT) == [APOLOGY, "You said yes."]
        assert call.dialogue.handled == ["yes"]


class FailingTTS(EspeakTTS):
    """Cannot say the dialogue's answers ("You said ..."); says anything else."""

    async def synthesize(self, text: str) -> tuple[PCM16, int]:
        if text.startswith("You said"):
            raise RuntimeError("synthesizer crashed")
        return await super().synthesize(text)


async def test_a_failed_synthesis_is_apologised_for(caplog: pytest.LogCaptureFixture) -> None:
    call = _Call("call-tts-fails", FakeRecognizers(), FailingTTS())
    caplog.set_level(logging.ERROR, logger="server.engines.offline")
    async with call.running():
        _turn(call.inbox, 0.0)
        await call.play_until(1)
        assert call.turns(Role.AGENT) == [APOLOGY]
        assert call.dialogue.handled == ["yes"]
        assert any("call-tts-fails" in r.getMessage() and r.exc_info for r in caplog.records)
