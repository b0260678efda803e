"""The `VoiceCall` row's life: inserted when a call starts, completed when it ends by any path."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from server.db.database import Database
from server.db.models import ConversationTurn, VoiceAnalytics, VoiceCall

log = logging.getLogger(__name__)


async def insert_call(db: Database, call_id: str, transport: str, caller: str | None,
                      started_at: dt.datetime) -> None:
    async with db.session() as s:
        s.add(VoiceCall(id=call_id, transport=transport, status="active", caller=caller,
                        started_at=started_at))


async def complete_call(db: Database, call_id: str, ended_at: dt.datetime, reason: str,
                        status: str = "completed") -> None:
    """Idempotent: a call already completed keeps its first end."""
    async with db.session() as s:
        call = await s.get(VoiceCall, call_id)
        if call is None:
            log.warning("call %s has no row to complete", call_id)
            return
        if call.ended_at is not None:
            return
        started = call.started_at
        if started.tzinfo is None:  # SQLite returns naive datetimes
            started = started.replace(tzinfo=dt.UTC)
        call.ended_at = ended_at
        call.duration_s = round(max(0.0, (ended_at - started).total_seconds()), 3)
        call.end_reason = reason[:32]
        call.status = status


async def load_call(db: Database, call_id: str) -> dict[str, Any] | None:
    """An ended call as `GET /voice/sessions/{id}` shows it: the row, its turns, analytics."""
    async with db.session() as s:
        call = await s.get(VoiceCall, call_id)
        if call is None:
            return None
        turns = (await s.scalars(select(ConversationTurn)
                                 .where(ConversationTurn.call_id == call_id)
                                 .order_by(ConversationTurn.seq))).all()
        analytics = await s.get(VoiceAnalytics, call_id)
    return {
        "id": call.id,
        "transport": call.transport,
        "state": "ended" if call.ended_at is not None else call.status,
        "caller": call.caller,
        "started_at": call.started_at.isoformat(),
        "ended_at": call.ended_at.isoformat() if call.ended_at else None,
        "duration_s": call.duration_s,
        "end_reason": call.end_reason,
        "outcome": analytics.outcome if analytics else None,
        "turns": [{
            "role": t.role, "text": t.text, "interrupted": t.interrupted,
            "tool_calls": t.tool_calls or [],
            "latency_ms": {"stt": t.stt_ms, "engine": t.engine_ms,
                           "first_audio": t.first_audio_ms,
                           "voice_to_voice": t.voice_to_voice_ms},
        } for t in turns],
    }
