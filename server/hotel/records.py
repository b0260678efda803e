"""Call records: batched ConversationTurn writes off the audio path, and end-of-call analytics.

`TurnWriter.append()` never blocks or awaits: it drops the turn into a bounded queue that a
background task flushes every `flush_interval_s` or `max_batch` turns, in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import delete, select

from server.db.database import Database
from server.db.models import ConversationTurn, VoiceAnalytics, VoiceCall
from server.hotel.timeutil import as_utc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolCallRecord:
    name: str
    ok: bool
    arguments: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "arguments": self.arguments,
                "error_code": self.error_code}


@dataclass(frozen=True)
class TurnRecord:
    call_id: str
    seq: int
    role: str  # "caller" | "agent" | "staff" | "system"
    text: str
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    interrupted: bool = False
    tool_calls: tuple[ToolCallRecord, ...] = ()
    stt_ms: float | None = None
    engine_ms: float | None = None
    first_audio_ms: float | None = None
    voice_to_voice_ms: float | None = None

    def to_row(self) -> ConversationTurn:
        return ConversationTurn(
            call_id=self.call_id, seq=self.seq, role=self.role, text=self.text,
            started_at=as_utc(self.started_at),
            ended_at=as_utc(self.ended_at) if self.ended_at else None,
            interrupted=self.interrupted,
            tool_calls=[t.to_json() for t in self.tool_calls] or None,
            stt_ms=self.stt_ms, engine_ms=self.engine_ms, first_audio_ms=self.first_audio_ms,
            voice_to_voice_ms=self.voice_to_voice_ms)


class TurnWriter:
    """Bounded, batching writer of conversation turns (one per app or per call).

    Nothing taken off the queue can be lost on close: the batch being collected lives on the
    writer (`_pending`) and an in-flight write is shielded from cancellation and awaited.
    """

    def __init__(self, db: Database, *, max_batch: int = 20, flush_interval_s: float = 0.5,
                 max_queue: int = 1000) -> None:
        self._db = db
        self._queue: asyncio.Queue[TurnRecord] = asyncio.Queue(maxsize=max_queue)
        self._max_batch = max_batch
        self._interval = flush_interval_s
        self._task: asyncio.Task[None] | None = None
        self._pending: list[TurnRecord] = []
        self._inflight: asyncio.Future[None] | None = None
        self._closing = False
        self.written = 0
        self.dropped = 0
        self.failed = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="turn-writer")

    def append(self, turn: TurnRecord) -> bool:
        """Queue a turn; False (and counted in `dropped`) if the queue is full or closed."""
        if self._closing:
            self.dropped += 1
            return False
        try:
            self._queue.put_nowait(turn)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("turn writer queue full; dropped turn %s/%d", turn.call_id, turn.seq)
            return False
        return True

    def _drain_into_pending(self) -> None:
        while not self._queue.empty() and len(self._pending) < self._max_batch:
            self._pending.append(self._queue.get_nowait())

    async def _collect(self) -> None:
        """Fill `_pending` until `max_batch` turns or `flush_interval_s` after the first one."""
        self._pending.append(await self._queue.get())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._interval
        while True:
            self._drain_into_pending()
            left = deadline - loop.time()
            if len(self._pending) >= self._max_batch or left <= 0:
                return
            await asyncio.sleep(min(0.05, left))

    async def _write(self, batch: Sequence[TurnRecord]) -> None:
        try:
            async with self._db.session() as session:
                session.add_all(t.to_row() for t in batch)
            self.written += len(batch)
        except Exception:
            self.failed += len(batch)
            log.exception("could not write %d conversation turns", len(batch))

    async def _run(self) -> None:
        while True:
            await self._collect()
            batch, self._pending = self._pending, []
            self._inflight = asyncio.ensure_future(self._write(batch))
            await asyncio.shield(self._inflight)
            self._inflight = None

    async def flush(self) -> None:
        """Write everything collected or queued so far (used by close)."""
        while self._pending or not self._queue.empty():
            self._drain_into_pending()
            batch, self._pending = self._pending, []
            await self._write(batch)

    async def close(self) -> None:
        """Stop accepting turns, stop the task, and write what is left."""
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._inflight is not None:
            await self._inflight
            self._inflight = None
        await self.flush()


# --- analytics -----------------------------------------------------------------------------

OUTCOME_BY_TOOL = (  # first match wins
    ("make_reservation", "reservation_made"),
    ("cancel_reservation", "reservation_cancelled"),
    ("modify_reservation", "reservation_changed"),
    ("transfer_to_human", "transferred"),
    ("order_room_service", "service_requested"),
    ("request_housekeeping", "service_requested"),
    ("schedule_callback", "callback_scheduled"),
    ("record_voice_note", "message_taken"),
)


@dataclass(frozen=True)
class CallAnalytics:
    call_id: str
    duration_s: float
    turns: int
    interruptions: int
    voice_to_voice_p50_ms: float | None
    voice_to_voice_p95_ms: float | None
    outcome: str
    sentiment: float | None  # VADER compound of the caller's words, -1..1


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no values."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import (  # type: ignore[import-untyped]
        SentimentIntensityAnalyzer,
    )

    return SentimentIntensityAnalyzer()


def sentiment_score(texts: Sequence[str]) -> float | None:
    """Mean VADER compound score over the non-empty texts (blocking: run in a thread)."""
    scores = [float(_analyzer().polarity_scores(t)["compound"]) for t in texts if t.strip()]
    return round(sum(scores) / len(scores), 4) if scores else None


def infer_outcome(turns: Sequence[ConversationTurn]) -> str:
    ok_tools = {str(c.get("name")) for t in turns for c in (t.tool_calls or []) if c.get("ok")}
    for name, outcome in OUTCOME_BY_TOOL:
        if name in ok_tools:
            return outcome
    if ok_tools:
        return "information"
    if not any(t.role == "caller" and t.text.strip() for t in turns):
        return "no_interaction"
    return "conversation"


async def finalize_call_analytics(db: Database, call_id: str, *, outcome: str | None = None,
                                  ended_at: dt.datetime | None = None) -> CallAnalytics:
    """Compute the call's analytics from its turns and store (replace) its VoiceAnalytics row."""
    async with db.session() as session:
        call = await session.get(VoiceCall, call_id)
        turns = list((await session.scalars(select(ConversationTurn)
                                            .where(ConversationTurn.call_id == call_id)
                                            .order_by(ConversationTurn.seq))).all())
    if call is None:
        raise LookupError(f"no call {call_id}")
    if call.duration_s is not None:
        duration = float(call.duration_s)
    else:
        end = as_utc(ended_at or call.ended_at or dt.datetime.now(dt.UTC))
        duration = max(0.0, (end - as_utc(call.started_at)).total_seconds())
    v2v = [t.voice_to_voice_ms for t in turns if t.voice_to_voice_ms is not None]
    caller_texts = [t.text for t in turns if t.role == "caller"]
    sentiment = await asyncio.to_thread(sentiment_score, caller_texts)
    result = CallAnalytics(
        call_id=call_id, duration_s=round(duration, 3), turns=len(turns),
        interruptions=sum(1 for t in turns if t.interrupted),
        voice_to_voice_p50_ms=percentile(v2v, 50), voice_to_voice_p95_ms=percentile(v2v, 95),
        outcome=outcome or infer_outcome(turns), sentiment=sentiment)
    async with db.session() as session:
        await session.execute(delete(VoiceAnalytics).where(VoiceAnalytics.call_id == call_id))
        session.add(VoiceAnalytics(
            call_id=call_id, duration_s=result.duration_s, turns=result.turns,
            interruptions=result.interruptions,
            voice_to_voice_p50_ms=result.voice_to_voice_p50_ms,
            voice_to_voice_p95_ms=result.voice_to_voice_p95_ms, outcome=result.outcome,
            sentiment=result.sentiment))
    return result
