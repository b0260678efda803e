"""The offline engine: local speech in, hotel dialogue, local speech out. No network."""

from __future__ import annotations

import logging
import time
import uuid

from media.engine import AgentState, EngineIO, Role, StateChanged, TranscriptTurn
from media.events import PlayoutCleared, PlayoutFinished, PlayoutStarted
from media.speech.tts import EspeakTTS

log = logging.getLogger(__name__)


class OfflineEngine:
    name = "offline"
    input_rate = 16000

    def __init__(self, greeting: str, tts: EspeakTTS | None = None) -> None:
        self.greeting = greeting
        self.tts = tts or EspeakTTS()

    async def say(self, io: EngineIO, text: str) -> str:
        """Speak `text` sentence by sentence into the playout; returns the utterance id."""
        utterance_id = uuid.uuid4().hex[:12]
        started = time.time()
        parts = [p async for p in self.tts.stream(text)]
        for i, (pcm, rate) in enumerate(parts):
            io.playout.enqueue(pcm, rate, utterance_id=utterance_id,
                               mark=f"{utterance_id}:{i}", last=i == len(parts) - 1)
        io.emit(TranscriptTurn(role=Role.AGENT, text=text, started_at=started,
                               ended_at=time.time()))
        return utterance_id

    async def run(self, io: EngineIO) -> None:
        await self.say(io, self.greeting)
        while True:
            item = await io.inbox.get()
            if isinstance(item, PlayoutStarted):
                io.emit(StateChanged(AgentState.SPEAKING))
            elif isinstance(item, PlayoutFinished | PlayoutCleared):
                io.emit(StateChanged(AgentState.LISTENING))
