"""The `VoiceCall` row's life: inserted when a call starts, completed when it ends by any path."""

from __future__ import annotations

import datetime as dt
import logging

from server.db.database import Database
from server.db.models import VoiceCall

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
