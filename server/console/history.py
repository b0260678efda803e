"""Past calls from the database: search by date, caller and outcome; one call's full record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from server.db.database import Database
from server.db.models import ConversationTurn, VoiceAnalytics, VoiceCall
from server.hotel.timeutil import as_utc

MAX_RESULTS = 200


@dataclass(frozen=True)
class CallQuery:
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    caller: str = ""
    outcome: str = ""
    limit: int = 100

    @classmethod
    def from_params(cls, params: Any) -> CallQuery:
        """From query-string parameters; bad dates raise ValueError."""
        def day(name: str) -> dt.date | None:
            value = str(params.get(name, "") or "").strip()
            return dt.date.fromisoformat(value) if value else None

        limit = int(params.get("limit", 100) or 100)
        return cls(since=day("from"), until=day("to"),
                   caller=str(params.get("caller", "") or "").strip()[:64],
                   outcome=str(params.get("outcome", "") or "").strip()[:32],
                   limit=max(1, min(MAX_RESULTS, limit)))


def _iso(value: dt.datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def call_json(call: VoiceCall, analytics: VoiceAnalytics | None) -> dict[str, Any]:
    return {
        "id": call.id, "transport": call.transport, "status": call.status,
        "caller": call.caller, "started_at": _iso(call.started_at),
        "ended_at": _iso(call.ended_at), "duration_s": call.duration_s,
        "end_reason": call.end_reason,
        "outcome": analytics.outcome if analytics else None,
        "turns": analytics.turns if analytics else None,
        "interruptions": analytics.interruptions if analytics else None,
        "sentiment": analytics.sentiment if analytics else None,
        "voice_to_voice_p50_ms": analytics.voice_to_voice_p50_ms if analytics else None,
        "voice_to_voice_p95_ms": analytics.voice_to_voice_p95_ms if analytics else None,
    }


async def search_calls(db: Database, q: CallQuery) -> list[dict[str, Any]]:
    stmt = (select(VoiceCall, VoiceAnalytics)
            .outerjoin(VoiceAnalytics, VoiceAnalytics.call_id == VoiceCall.id)
            .order_by(VoiceCall.started_at.desc()).limit(q.limit))
    if q.since is not None:
        stmt = stmt.where(VoiceCall.started_at >= dt.datetime.combine(q.since, dt.time(),
                                                                      dt.UTC))
    if q.until is not None:
        stmt = stmt.where(VoiceCall.started_at < dt.datetime.combine(
            q.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    if q.caller:
        escaped = q.caller.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(VoiceCall.caller.ilike(f"%{escaped}%", escape="\\"))
    if q.outcome:
        stmt = stmt.where(VoiceAnalytics.outcome == q.outcome)
    async with db.session() as s:
        rows = (await s.execute(stmt)).all()
    return [call_json(call, analytics) for call, analytics in rows]


def turn_row_json(t: ConversationTurn) -> dict[str, Any]:
    return {
        "seq": t.seq, "role": t.role, "text": t.text, "started_at": _iso(t.started_at),
        "interrupted": t.interrupted, "tool_calls": t.tool_calls or [],
        "latency_ms": {"stt": t.stt_ms, "engine": t.engine_ms,
                       "first_audio": t.first_audio_ms, "voice_to_voice": t.voice_to_voice_ms},
    }


async def call_record(db: Database, call_id: str, recordings_dir: Path
                      ) -> dict[str, Any] | None:
    async with db.session() as s:
        row = (await s.execute(
            select(VoiceCall, VoiceAnalytics)
            .outerjoin(VoiceAnalytics, VoiceAnalytics.call_id == VoiceCall.id)
            .where(VoiceCall.id == call_id))).first()
        if row is None:
            return None
        turns = (await s.scalars(select(ConversationTurn)
                                 .where(ConversationTurn.call_id == call_id)
                                 .order_by(ConversationTurn.seq))).all()
    record = call_json(*row)
    record["transcript"] = [turn_row_json(t) for t in turns]
    record["has_recording"] = recording_path(recordings_dir, call_id) is not None
    return record


def recording_path(recordings_dir: Path, call_id: str) -> Path | None:
    """The call's WAV if it exists; call ids are UUIDs, anything else is refused."""
    try:
        import uuid

        canonical = str(uuid.UUID(call_id))
    except ValueError:
        return None
    if canonical != call_id:
        return None
    path = recordings_dir / f"{call_id}.wav"
    return path if path.is_file() else None
