"""Conversation-turn writer (batched, bounded, flushed on close) and end-of-call analytics."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from server.db.database import Database
from server.db.models import ConversationTurn, VoiceAnalytics, VoiceCall
from server.hotel.records import (
    ToolCallRecord,
    TurnRecord,
    TurnWriter,
    finalize_call_analytics,
    percentile,
    sentiment_score,
)

T0 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


async def _call(db: Database, call_id: str = "c1", duration: float | None = None) -> None:
    async with db.session() as s:
        s.add(VoiceCall(id=call_id, transport="webrtc", status="ended", caller="+447700900101",
                        started_at=T0, ended_at=T0 + dt.timedelta(seconds=95),
                        duration_s=duration))


def _turn(seq: int, role: str = "caller", text: str = "hello", **kw: object) -> TurnRecord:
    return TurnRecord(call_id="c1", seq=seq, role=role, text=text,
                      started_at=T0 + dt.timedelta(seconds=seq), **kw)  # type: ignore[arg-type]


async def _count(db: Database) -> int:
    async with db.session() as s:
        return int(await s.scalar(select(func.count(ConversationTurn.id))) or 0)


async def test_writer_batches_and_flushes_on_close(db: Database) -> None:
    await _call(db)
    writer = TurnWriter(db, max_batch=10, flush_interval_s=0.05)
    writer.start()
    for i in range(25):
        assert writer.append(_turn(i, tool_calls=(ToolCallRecord("hotel_info", True,
                                                                 {"topic": "wifi"}),)))
    await asyncio.sleep(0.3)  # the background task writes without being asked
    assert await _count(db) == 25
    writer.append(_turn(25))
    await writer.close()
    assert await _count(db) == 26 and writer.written == 26
    assert writer.append(_turn(26)) is False and writer.dropped == 1
    async with db.session() as s:
        row = await s.scalar(select(ConversationTurn).where(ConversationTurn.seq == 0))
    assert row is not None and row.tool_calls == [
        {"name": "hotel_info", "ok": True, "arguments": {"topic": "wifi"}, "error_code": None}]


async def test_writer_close_loses_nothing_mid_batch(db: Database) -> None:
    await _call(db)
    for pause in (0.0, 0.001, 0.02, 0.06):
        writer = TurnWriter(db, max_batch=4, flush_interval_s=0.05)
        writer.start()
        base = await _count(db)
        for i in range(10):
            writer.append(_turn(base + i))
        await asyncio.sleep(pause)  # close while collecting / while writing
        await writer.close()
        assert await _count(db) == base + 10, pause
        assert writer.written == 10


async def test_writer_append_never_blocks_when_full(db: Database) -> None:
    await _call(db)
    writer = TurnWriter(db, max_queue=3)  # not started: nothing drains the queue
    results = [writer.append(_turn(i)) for i in range(5)]
    assert results == [True, True, True, False, False] and writer.dropped == 2
    await writer.close()
    assert await _count(db) == 3


async def test_writer_survives_a_bad_batch(db: Database) -> None:
    writer = TurnWriter(db, flush_interval_s=0.01)
    writer.start()
    writer.append(_turn(0))  # no such call: foreign key fails
    await writer.close()
    assert writer.failed == 1 and writer.written == 0


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([100.0], 95) == 100.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([float(v) for v in range(1, 101)], 95) == pytest.approx(95.05)


def test_sentiment_lexicon() -> None:
    happy = sentiment_score(["Thank you so much, that's wonderful!"])
    angry = sentiment_score(["This is terrible, I'm really annoyed."])
    assert happy is not None and happy > 0.5
    assert angry is not None and angry < -0.3
    assert sentiment_score(["", "  "]) is None


async def test_analytics_computed_and_stored(db: Database) -> None:
    await _call(db)
    turns = [
        _turn(0, "agent", "Harbor View Hotel, how can I help?"),
        _turn(1, "caller", "Hi, I'd love to book a room, thank you", voice_to_voice_ms=700.0),
        _turn(2, "agent", "Of course.", interrupted=True, voice_to_voice_ms=500.0,
              tool_calls=(ToolCallRecord("check_availability", True),)),
        _turn(3, "caller", "Great, that's perfect", voice_to_voice_ms=900.0),
        _turn(4, "agent", "Booked.", interrupted=True, voice_to_voice_ms=600.0,
              tool_calls=(ToolCallRecord("make_reservation", True),)),
    ]
    async with db.session() as s:
        s.add_all(t.to_row() for t in turns)
    a = await finalize_call_analytics(db, "c1")
    assert (a.turns, a.interruptions, a.outcome) == (5, 2, "reservation_made")
    assert a.duration_s == 95.0
    assert a.voice_to_voice_p50_ms == 650.0
    assert a.voice_to_voice_p95_ms == pytest.approx(870.0)  # 700 + 0.85 * (900 - 700)
    assert a.sentiment is not None and a.sentiment > 0.3
    again = await finalize_call_analytics(db, "c1", outcome="transferred")  # replaces the row
    async with db.session() as s:
        rows = (await s.scalars(select(VoiceAnalytics))).all()
    assert len(rows) == 1 and rows[0].outcome == again.outcome == "transferred"
    assert rows[0].voice_to_voice_p95_ms == a.voice_to_voice_p95_ms


async def test_analytics_for_silent_call(db: Database) -> None:
    await _call(db, duration=3.5)
    a = await finalize_call_analytics(db, "c1")
    assert (a.turns, a.outcome, a.sentiment, a.voice_to_voice_p50_ms) == (
        0, "no_interaction", None, None)
    assert a.duration_s == 3.5
    with pytest.raises(LookupError):
        await finalize_call_analytics(db, "missing")
