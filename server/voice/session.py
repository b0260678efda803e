"""Live calls: a `VoiceSession` per call, owned by the app's `SessionManager`.

A session owns everything its call opened (tasks, peer connection, websocket); `end()` closes
all of it exactly once, whichever path ends the call, and completes the call's database row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from media.bridge import CallBridge
from media.engine import (
    EndCallRequested,
    EngineOutput,
    EngineSwitched,
    StateChanged,
    TranscriptTurn,
)
from media.playout import Playout
from server.db.database import Database
from server.hotel.records import (
    ToolCallRecord,
    TurnRecord,
    TurnWriter,
    finalize_call_analytics,
)
from server.voice.call_log import complete_call, insert_call

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]


class CallState(enum.StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    ENDED = "ended"


class Transport(enum.StrEnum):
    WEBRTC = "webrtc"
    TWILIO = "twilio"


class EndReason(enum.StrEnum):
    GUEST_HANGUP = "guest_hangup"
    GUEST_DISCONNECTED = "guest_disconnected"
    STAFF_ENDED = "staff_ended"
    AGENT_ENDED = "agent_ended"
    CONNECTION_FAILED = "connection_failed"
    SERVER_SHUTDOWN = "server_shutdown"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """Something listeners (the guest page, later the staff console) want to know."""

    session_id: str
    kind: str  # "state" | "agent" | "turn" | "engine"
    value: str
    turn: TranscriptTurn | None = None


class VoiceSession:
    def __init__(self, manager: SessionManager, transport: Transport, caller: str | None) -> None:
        self.id = str(uuid.uuid4())
        self.manager = manager
        self.transport = transport
        self.caller = caller
        self.state = CallState.CONNECTING
        self.agent_state = "listening"
        self.engine_name = ""
        self.started_at = dt.datetime.now(dt.UTC)
        self.ended_at: dt.datetime | None = None
        self.end_reason: str | None = None
        self.turns: list[TranscriptTurn] = []
        self.timings: dict[str, float] = {}
        self.recording_path: str | None = None
        self.outcome: str | None = None  # set by whoever knows better than the turns (abandoned)
        # The call's media, set by its transport once answered (console listen-in/take-over).
        self.bridge: CallBridge | None = None
        self.playout: Playout | None = None
        self.ended = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._closers: list[tuple[str, Closer]] = []
        self._listeners: list[Callable[[SessionEvent], None]] = []
        self._ending = False
        self._end_task: asyncio.Task[None] | None = None

    # -- ownership ---------------------------------------------------------------------------
    def own_task(self, coro: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        task.set_name(f"{name}-{self.id[:8]}")
        self._tasks.append(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        if task in self._tasks and not self._ending:
            self._tasks.remove(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("call %s: task %s failed", self.id, task.get_name(), exc_info=exc)

    def add_closer(self, name: str, closer: Closer) -> None:
        """Register cleanup to run at end (in reverse order of registration)."""
        self._closers.append((name, closer))

    def add_listener(self, listener: Callable[[SessionEvent], None]) -> None:
        self._listeners.append(listener)

    def _notify(self, event: SessionEvent) -> None:
        for listener in [*self._listeners, *self.manager.listeners]:
            try:
                listener(event)
            except Exception:
                log.exception("call %s: listener failed", self.id)

    # -- state -------------------------------------------------------------------------------
    def mark_connected(self) -> None:
        if self.state is CallState.CONNECTING:
            self.state = CallState.CONNECTED
            self._notify(SessionEvent(self.id, "state", self.state.value))

    def set_agent_state(self, value: str) -> None:
        if value != self.agent_state and self.state is not CallState.ENDED:
            self.agent_state = value
            self._notify(SessionEvent(self.id, "agent", value))

    def on_engine_output(self, output: EngineOutput) -> None:
        """Engine → server: transcript turns, state changes, end requests."""
        if isinstance(output, TranscriptTurn):
            self.turns.append(output)
            self.manager.record_turn(self.id, len(self.turns), output)
            self._notify(SessionEvent(self.id, "turn", output.role.value, turn=output))
        elif isinstance(output, StateChanged):
            self.set_agent_state(output.state.value)
        elif isinstance(output, EndCallRequested):
            if output.reason != EndReason.AGENT_ENDED:
                self.outcome = output.reason  # e.g. "abandoned"
            self.own_task(self.end(EndReason.AGENT_ENDED), "agent-end")
        elif isinstance(output, EngineSwitched):
            log.warning("call %s: engine switched to %s (%s)", self.id, output.name,
                        output.reason)
            self.engine_name = output.name
            self._notify(SessionEvent(self.id, "engine", output.name))
        else:
            log.info("call %s: %s", self.id, output)

    async def end(self, reason: str) -> None:
        """End the call: stop tasks, close transports, complete the row. Safe to call again,
        and runs to completion even when the caller (say, a closing websocket) is cancelled."""
        if self._end_task is None:
            self._end_task = asyncio.ensure_future(self._finish(str(reason)))
        await asyncio.shield(self._end_task)

    async def _finish(self, reason: str) -> None:
        self._ending = True
        self.end_reason = reason
        self.ended_at = dt.datetime.now(dt.UTC)
        self.state = CallState.ENDED
        log.info("call %s ended: %s", self.id, reason)
        self._notify(SessionEvent(self.id, "state", CallState.ENDED.value))
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=5.0)
            for task in stuck:
                log.error("call %s: task %s ignored cancellation: %s", self.id,
                          task.get_name(), task.get_stack(limit=5))
        for name, closer in reversed(self._closers):
            log.debug("call %s: closing %s", self.id, name)
            try:
                await closer()
            except Exception:
                log.exception("call %s: closing %s failed", self.id, name)
        try:
            await complete_call(self.manager.db, self.id, self.ended_at, self.end_reason)
        except Exception:
            log.exception("call %s: could not complete the call record", self.id)
        self.manager._forget(self)
        await self.manager.finish_records(self.id, self.outcome)
        self.ended.set()

    def to_json(self) -> dict[str, Any]:
        now = self.ended_at or dt.datetime.now(dt.UTC)
        return {
            "id": self.id,
            "transport": self.transport.value,
            "state": self.state.value,
            "agent_state": self.agent_state,
            "engine": self.engine_name,
            "caller": self.caller,
            "started_at": self.started_at.isoformat(),
            "duration_s": round((now - self.started_at).total_seconds(), 3),
            "timings_ms": self.timings,
            "turns": [turn_json(t) for t in self.turns],
        }


def turn_json(turn: TranscriptTurn) -> dict[str, Any]:
    return {
        "role": turn.role.value,
        "text": turn.text,
        "started_at": turn.started_at,
        "ended_at": turn.ended_at,
        "interrupted": turn.interrupted,
        "tool_calls": [
            {"name": c.name, "arguments": c.arguments, "ok": c.ok, "error_code": c.error_code}
            for c in turn.tool_calls
        ],
        "latency_ms": {
            "stt": turn.stt_ms,
            "engine": turn.engine_ms,
            "first_audio": turn.first_audio_ms,
            "voice_to_voice": turn.voice_to_voice_ms,
        },
    }


class SessionManager:
    """The app's live calls. Creating a session writes its `VoiceCall` row first; turns go to
    the database through one batching `TurnWriter`; analytics are computed at each call's end."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sessions: dict[str, VoiceSession] = {}
        self.listeners: list[Callable[[SessionEvent], None]] = []
        self.turn_writer = TurnWriter(db)

    def start(self) -> None:
        self.turn_writer.start()

    async def close(self) -> None:
        await self.close_all(EndReason.SERVER_SHUTDOWN)
        await self.turn_writer.close()

    def add_listener(self, listener: Callable[[SessionEvent], None]) -> None:
        """Hear every session's events (the staff console's live board)."""
        self.listeners.append(listener)

    async def create(self, transport: Transport, caller: str | None = None) -> VoiceSession:
        session = VoiceSession(self, transport, caller)
        await insert_call(self.db, session.id, transport.value, caller, session.started_at)
        self._sessions[session.id] = session
        session._notify(SessionEvent(session.id, "state", session.state.value))
        return session

    def record_turn(self, call_id: str, seq: int, turn: TranscriptTurn) -> None:
        self.turn_writer.append(TurnRecord(
            call_id=call_id, seq=seq, role=turn.role.value, text=turn.text,
            started_at=dt.datetime.fromtimestamp(turn.started_at, dt.UTC),
            ended_at=dt.datetime.fromtimestamp(turn.ended_at, dt.UTC),
            interrupted=turn.interrupted,
            tool_calls=tuple(ToolCallRecord(name=c.name, ok=c.ok, arguments=c.arguments,
                                            error_code=c.error_code) for c in turn.tool_calls),
            stt_ms=turn.stt_ms, engine_ms=turn.engine_ms, first_audio_ms=turn.first_audio_ms,
            voice_to_voice_ms=turn.voice_to_voice_ms,
        ))

    async def finish_records(self, call_id: str, outcome: str | None) -> None:
        """Flush the call's turns and store its analytics; failures are logged, never raised."""
        try:
            await self.turn_writer.flush()
            await finalize_call_analytics(self.db, call_id, outcome=outcome)
        except Exception:
            log.exception("call %s: could not store analytics", call_id)

    def get(self, session_id: str) -> VoiceSession | None:
        return self._sessions.get(session_id)

    def active(self) -> list[VoiceSession]:
        return list(self._sessions.values())

    def _forget(self, session: VoiceSession) -> None:
        self._sessions.pop(session.id, None)

    async def end(self, session_id: str, reason: str) -> bool:
        session = self._sessions.get(session_id)
        if session is None:
            return False
        await session.end(reason)
        return True

    async def close_all(self, reason: str = EndReason.SERVER_SHUTDOWN) -> None:
        await asyncio.gather(*(s.end(reason) for s in self.active()), return_exceptions=True)
