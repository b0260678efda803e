"""Transcript bookkeeping for the Realtime engine: guest turns, agent replies, their latencies.

Latencies are measured from the end of the guest's speech (local VAD) to: the input
transcription (`stt_ms`), the first response audio received (`first_audio_ms`), and the first
response audio played to the guest (`voice_to_voice_ms`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from media.engine import EngineOutput, Role, ToolCall, TranscriptTurn
from server.engines.realtime_session import ConversationLog


@dataclass
class GuestTurn:
    started_at: float
    ended_at: float
    item_id: str | None = None


@dataclass
class Reply:
    """One assistant audio item: its transcript, how much audio was queued, and what was heard."""

    item_id: str
    response_id: str
    first_delta_at: float
    reply_to: float | None = None  # wall time the guest's turn ended, if this answers it
    parts: list[str] = field(default_factory=list)
    transcript: str | None = None
    audio_samples: int = 0
    audio_closed: bool = False  # the utterance's last chunk is queued
    first_played_at: float | None = None
    played: bool = False
    interrupted: bool = False
    emitted: bool = False

    @property
    def text(self) -> str:
        return self.transcript if self.transcript is not None else "".join(self.parts)

    @property
    def ready(self) -> bool:
        if self.emitted:
            return False
        if self.interrupted:
            return True
        return self.transcript is not None and (self.audio_samples == 0 or self.played)


def _ms(start: float | None, end: float | None) -> float | None:
    if start is None or end is None:
        return None
    return round(1000.0 * (end - start), 1)


class TurnBook:
    """Turns in flight, emitted as `TranscriptTurn`s once complete; tool calls ride on the next
    agent turn (the one that speaks their result)."""

    def __init__(self, emit: Callable[[EngineOutput], None], log: ConversationLog,
                 now: Callable[[], float] = time.time) -> None:
        self.emit = emit
        self.log = log
        self.now = now
        self.guest: deque[GuestTurn] = deque(maxlen=32)
        self.replies: dict[str, Reply] = {}
        self.tool_calls: list[ToolCall] = []

    # -- guest ------------------------------------------------------------------------------
    def guest_turn(self, started_at: float, ended_at: float) -> None:
        self.guest.append(GuestTurn(started_at, ended_at))

    def committed(self, item_id: str) -> None:
        for turn in self.guest:
            if turn.item_id is None:
                turn.item_id = item_id
                return

    def guest_transcript(self, item_id: str, text: str) -> None:
        turn = next((t for t in self.guest if t.item_id == item_id), None)
        if turn is None:
            turn = next((t for t in self.guest if t.item_id is None), None)
        now = self.now()
        if turn is not None:
            self.guest.remove(turn)
        started, ended = (turn.started_at, turn.ended_at) if turn else (now, now)
        self.log.add("Guest", text)
        self.emit(TranscriptTurn(role=Role.GUEST, text=text.strip(), started_at=started,
                                 ended_at=ended, stt_ms=_ms(ended, now) if turn else None))

    # -- agent ------------------------------------------------------------------------------
    def reply(self, item_id: str, response_id: str, awaiting_since: float | None) -> Reply:
        r = self.replies.get(item_id)
        if r is None:
            r = self.replies[item_id] = Reply(item_id, response_id, self.now(), awaiting_since)
        return r

    def add_tool_call(self, call: ToolCall) -> None:
        self.tool_calls.append(call)

    def maybe_emit(self, r: Reply) -> None:
        if not r.ready:
            return
        r.emitted = True
        self.replies.pop(r.item_id, None)
        text = r.text.strip()
        if not text and not r.audio_samples and not self.tool_calls:
            return
        self.log.add("Agent", text + (" [cut off by the guest]" if r.interrupted else ""))
        calls, self.tool_calls = tuple(self.tool_calls), []
        self.emit(TranscriptTurn(
            role=Role.AGENT, text=text, started_at=r.first_played_at or r.first_delta_at,
            ended_at=self.now(), interrupted=r.interrupted, tool_calls=calls,
            first_audio_ms=_ms(r.reply_to, r.first_delta_at),
            voice_to_voice_ms=_ms(r.reply_to, r.first_played_at)))

    def flush(self) -> None:
        """At the end of the engine: emit what is left (partial replies, unspoken tool calls)."""
        for r in list(self.replies.values()):
            if not r.emitted and (r.text or r.audio_samples):
                r.interrupted = r.interrupted or not r.played
                r.transcript = r.text
                self.maybe_emit(r)
        if self.tool_calls:
            now = self.now()
            calls, self.tool_calls = tuple(self.tool_calls), []
            self.emit(TranscriptTurn(role=Role.AGENT, text="", started_at=now, ended_at=now,
                                     tool_calls=calls))
