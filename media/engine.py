"""What an engine is, and what it sees: the seam where speech engines meet any transport.

An engine gets an `EngineIO`: an inbox of typed inputs (guest audio and turn events in order;
playout events and interruptions, which overtake queued audio), the call's `Playout` to speak
into, and `emit()` for what it tells the server (transcript turns, state changes, a wish to end
the call).
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
    """Inputs for one engine, in two lanes.

    The guest lane keeps the guest's audio and the turn events about it in order: a turn's end
    must not overtake its last words, or an engine that fell behind would close the turn and
    get its tail as the next turn's pre-roll. When the engine falls `max_audio_frames` behind,
    the lane's oldest audio frame is dropped (never a turn event). The control lane (the agent's
    playout events, interruptions) is always served first."""

    def __init__(self, max_audio_frames: int = 50) -> None:
        self.max_audio_frames = max_audio_frames
        self._guest: deque[AudioFrame | TurnEvent] = deque()
        self._audio = 0  # audio frames in the guest lane
        self._control: deque[EngineInput] = deque()
        self._ready = asyncio.Event()
        self.audio_dropped = 0

    def put(self, item: EngineInput) -> None:
        if isinstance(item, AudioFrame):
            if self._audio >= self.max_audio_frames:
                self._drop_oldest_audio()
            self._guest.append(item)
            self._audio += 1
        elif isinstance(item, TurnEvent):
            self._guest.append(item)
        else:
            self._control.append(item)
        self._ready.set()

    def _drop_oldest_audio(self) -> None:
        for i, item in enumerate(self._guest):
            if isinstance(item, AudioFrame):
                del self._guest[i]
                self._audio -= 1
                self.audio_dropped += 1
                return

    def __len__(self) -> int:
        """Inputs not yet read, in both lanes."""
        return len(self._guest) + len(self._control)

    async def get(self) -> EngineInput:
        while True:
            item = self.get_nowait()
            if item is not None:
                return item
            self._ready.clear()
            await self._ready.wait()

    def get_nowait(self) -> EngineInput | None:
        if self._control:
            return self._control.popleft()
        if self._guest:
            item = self._guest.popleft()
            if isinstance(item, AudioFrame):
                self._audio -= 1
            return item
        return None


@dataclass
class EngineIO:
    call_id: str
    playout: Playout
    inbox: EngineInbox
    emit: Callable[[EngineOutput], None]
    caller: str | None = None
    wants_audio: bool = True
    # The rate the guest's audio crossed its line at (8000 on a phone line), whatever rate it
    # reaches the engine at: what band it can carry. None: not known.
    line_rate: int | None = None
    # Ends the guest's turn now if they are still pausing (after `SpeechPaused`); True if it
    # ended (its `SpeechEnded` follows in the inbox). For semantic endpointing.
    end_turn: Callable[[], bool] = field(default=lambda: False)


class Engine(Protocol):
    """A speech-to-speech engine. `run()` lives as long as the call and is cancelled at its end."""

    name: str
    input_rate: int

    async def run(self, io: EngineIO) -> None: ...
