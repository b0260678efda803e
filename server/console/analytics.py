"""The analytics dashboard's numbers, from `VoiceCall`, `VoiceAnalytics`, `ConversationTurn`
and `Transfer` rows over the last N days.

A call counts as handled without staff unless staff ended it, it was transferred to a
department, or the console acted in it (take-over/hand-back are stored as system turns).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import select

from server.db.database import Database
from server.db.models import ConversationTurn, VoiceAnalytics, VoiceCall
from server.hotel.models import Transfer
from server.hotel.records import percentile
from server.hotel.timeutil import as_utc


async def dashboard(db: Database, days: int = 7, now: dt.datetime | None = None
                    ) -> dict[str, Any]:
    now = now or dt.datetime.now(dt.UTC)
    days = max(1, min(90, days))
    since = now - dt.timedelta(days=days)
    async with db.session() as s:
        calls = (await s.execute(
            select(VoiceCall, VoiceAnalytics)
            .outerjoin(VoiceAnalytics, VoiceAnalytics.call_id == VoiceCall.id)
            .where(VoiceCall.started_at >= since))).all()
        ids = [c.id for c, _ in calls]
        v2v: list[float] = []
        staff_calls: set[str] = set()
        for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
            v2v += [float(v or 0.0) for v in (await s.scalars(
                select(ConversationTurn.voice_to_voice_ms).where(
                    ConversationTurn.call_id.in_(chunk),
                    ConversationTurn.voice_to_voice_ms.is_not(None)))).all()]
            staff_calls |= set((await s.scalars(select(ConversationTurn.call_id).where(
                ConversationTurn.call_id.in_(chunk), ConversationTurn.role.in_(
                    ("system", "staff"))))).all())
            staff_calls |= {c for c in (await s.scalars(select(Transfer.call_id).where(
                Transfer.call_id.in_(chunk)))).all() if c}
    staff_calls |= {c.id for c, _ in calls if c.end_reason == "staff_ended"}

    per_hour = [0] * 24
    per_day: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    durations: list[float] = []
    sentiments: list[float] = []
    interruptions = 0
    for call, analytics in calls:
        started = as_utc(call.started_at)
        per_hour[started.hour] += 1
        per_day[started.date().isoformat()] += 1
        if call.duration_s is not None:
            durations.append(float(call.duration_s))
        if analytics is not None:
            outcomes[analytics.outcome] += 1
            interruptions += analytics.interruptions
            if analytics.sentiment is not None:
                sentiments.append(float(analytics.sentiment))
    day_keys = [(now - dt.timedelta(days=days - 1 - i)).date().isoformat() for i in range(days)]
    total = len(calls)
    return {
        "days": days,
        "total_calls": total,
        "calls_per_hour": per_hour,  # UTC hour of day
        "calls_per_day": {d: per_day.get(d, 0) for d in day_keys},
        "handled_without_staff_pct": (round(100.0 * (total - len(staff_calls)) / total, 1)
                                      if total else None),
        "average_duration_s": round(sum(durations) / len(durations), 1) if durations else None,
        "outcomes": dict(outcomes.most_common()),
        "voice_to_voice_ms": {f"p{q}": _round(percentile(v2v, q)) for q in (50, 90, 95, 99)},
        "voice_to_voice_samples": len(v2v),
        "interruptions": interruptions,
        "interruptions_per_call": round(interruptions / total, 2) if total else None,
        "average_sentiment": round(sum(sentiments) / len(sentiments), 3) if sentiments else None,
        "sentiment_buckets": {
            "negative": sum(1 for x in sentiments if x < -0.05),
            "neutral": sum(1 for x in sentiments if -0.05 <= x <= 0.05),
            "positive": sum(1 for x in sentiments if x > 0.05),
        },
    }


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
