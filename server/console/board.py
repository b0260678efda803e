"""The live board: every active call as a `CallSummary`, pushed to each console websocket.

It listens to the `SessionManager` (state, agent and turn events) and to console actions
(take-over, listeners, transfers), and fans each change out to subscribers' bounded queues;
a subscriber too slow to keep up is dropped (its page reconnects and gets a fresh snapshot).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from server.console.intents import guess_intent
from server.console.wire import CallEnded, CallSummary, CallUpdated, ServerMessage, TurnAdded
from server.voice.session import SessionEvent, SessionManager, VoiceSession, turn_json

log = logging.getLogger(__name__)


@dataclass
class CallExtras:
    """What the console knows about a call beyond the session itself."""

    intent: str | None = None
    department: str | None = None
    taken_over_by: str | None = None
    listeners: int = 0


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[ServerMessage] = field(
        default_factory=lambda: asyncio.Queue(maxsize=1000))
    overflowed: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, message: ServerMessage) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()


class LiveBoard:
    def __init__(self, sessions: SessionManager) -> None:
        self.sessions = sessions
        self.extras: dict[str, CallExtras] = {}
        self._subscribers: set[Subscriber] = set()
        sessions.add_listener(self._on_event)

    # -- reading -----------------------------------------------------------------------------
    def extra(self, call_id: str) -> CallExtras:
        return self.extras.setdefault(call_id, CallExtras())

    def summary(self, session: VoiceSession) -> CallSummary:
        extra = self.extras.get(session.id) or CallExtras()
        return CallSummary(
            id=session.id, transport=session.transport.value, caller=session.caller,
            started_at=session.started_at.isoformat(), state=session.state.value,
            agent_state=session.agent_state, engine=session.engine_name, intent=extra.intent,
            department=extra.department, taken_over_by=extra.taken_over_by,
            listeners=extra.listeners, turns=len(session.turns),
        )

    def calls(self) -> list[CallSummary]:
        return [self.summary(s) for s in self.sessions.active()]

    # -- subscribers -------------------------------------------------------------------------
    def subscribe(self) -> Subscriber:
        sub = Subscriber()
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subscribers.discard(sub)

    def broadcast(self, message: ServerMessage) -> None:
        for sub in list(self._subscribers):
            sub.push(message)

    def changed(self, call_id: str) -> None:
        """Console state of a call changed (take-over, listeners, queue): push its row."""
        session = self.sessions.get(call_id)
        if session is not None:
            self.broadcast(CallUpdated(self.summary(session)))

    # -- session events ----------------------------------------------------------------------
    def _on_event(self, event: SessionEvent) -> None:
        session = self.sessions.get(event.session_id)
        if event.kind == "state" and event.value == "ended":
            self.extras.pop(event.session_id, None)
            self.broadcast(CallEnded(event.session_id,
                                     session.end_reason if session is not None else None))
            return
        if session is None:
            return
        if event.kind == "turn" and event.turn is not None:
            extra = self.extra(session.id)
            extra.intent = guess_intent(event.turn, extra.intent)
            self.broadcast(TurnAdded(session.id, turn_json(event.turn)))
        self.broadcast(CallUpdated(self.summary(session)))
