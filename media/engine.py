"""What an engine is, and what it sees: the seam where speech engines meet any transport.

An engine gets an `EngineIO`: an inbox of typed inputs (guest audio, turn events, playout events,
interruptions; control events overtake queued audio), the call's `Playout` to speak into, and
`emit()` for what it tells the server (transcript turns, state changes, a wish to end the call).
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from media.events import PlayoutEvent, TurnEvent
from media.frames import AudioFrame
from media.playout import Playout

log = logging.getLogger(__name__)


class Role(enum.StrEnum):
    GUEST = "caller"
    AGENT = "agent"
    STAFF = "staff"
    SYSTEM = "system"


class AgentState(enum.StrEnum):
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


@dataclass(frozen=True, slots=True)
class Interrupted:
    """The guest cut in: the playout was cleared after `played_ms` of `utterance_id`."""

    utterance_id: str | None
    played_ms: float


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the engine ran during a turn, as the transcript shows it."""

    name: str
    arguments: dict[str, Any]
    ok: bool
    error_code: str | None = None
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TranscriptTurn:
    """One utterance for the call record. Times are Unix epoch seconds (`time.time()`);
    latencies are milliseconds, None when not measured."""

    role: Role
    text: str
    started_at: float
    ended_at: float
    interrupted: bool = False
    tool_calls: tuple[ToolCall, ...] = ()
    stt_ms: float | None = None
    engine_ms: float | None = None
    first_audio_ms: float | None = None
    voice_to_voice_ms: float | None = None


@dataclass(frozen=True, slots=True)
class StateChanged:
    state: AgentState


@dataclass(frozen=True, slots=True)
class EndCallRequested:
    reason: str


@dataclass(frozen=True, slots=True)
class EngineNotice:
    """Something staff should see (engine switched, a tool failed); free text for the console."""

    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EngineSwitched:
    """The call now runs on engine `name` (e.g. a cloud engine failed over to the offline one)."""

    name: str
    reason: str = ""


EngineInput = AudioFrame | TurnEvent | PlayoutEvent | Interrupted
EngineOutput = TranscriptTurn | StateChanged | EndCallRequested | EngineNotice | EngineSwitched


class EngineInbox:
    """Inputs for one engine: a bounded audio lane that drops the oldest frames when the engine
    falls behind, and a control lane that is always served first (interruptions overtake audio)."""

    def __init__(self, max_audio_frames: int = 50) -> None:
        self._audio: deque[AudioFrame] = deque(maxlen=max_audio_frames)
        self._control: deque[EngineInput] = deque()
        self._ready = asyncio.Event()
        self.audio_dropped = 0

    def put(self, item: EngineInput) -> None:
        if isinstance(item, AudioFrame):
            if len(self._audio) == self._audio.maxlen:
                self.audio_dropped += 1
            self._audio.append(item)
        else:
            self._control.append(item)
        self._ready.set()

    async def get(self) -> EngineInput:
        while True:
            if self._control:
                return self._control.popleft()
            if self._audio:
                return self._audio.popleft()
            self._ready.clear()
            await self._ready.wait()

    def get_nowait(self) -> EngineInput | None:
        if self._control:
            return self._control.popleft()
        if self._audio:
            return self._audio.popleft()
        return None


@dataclass
class EngineIO:
    call_id: str
    playout: Playout
    inbox: EngineInbox
    emit: Callable[[EngineOutput], None]
    caller: str | None = None
    wants_audio: bool = True
    # Ends the guest's turn now if they are still pausing (after `SpeechPaused`); True if it
    # ended (its `SpeechEnded` follows in the inbox). For semantic endpointing.
    end_turn: Callable[[], bool] = field(default=lambda: False)


class Engine(Protocol):
    """A speech-to-speech engine. `run()` lives as long as the call and is cancelled at its end."""

    name: str
    input_rate: int

    async def run(self, io: EngineIO) -> None: ...
