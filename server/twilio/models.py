"""`twilio_calls`: Twilio's side of a phone call (call SID, numbers, Twilio's status).

Kept beside `voice_calls` rather than in it, so the phone transport owns its own columns.
`status_rank` makes status callbacks order-independent: a row only ever moves forward.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db.models import Base, utcnow


class TwilioCall(Base):
    __tablename__ = "twilio_calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    call_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("voice_calls.id", ondelete="CASCADE"), index=True, default=None)
    direction: Mapped[str] = mapped_column(String(24), default="inbound")
    from_number: Mapped[str | None] = mapped_column(String(64), default=None)
    to_number: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    status_rank: Mapped[int] = mapped_column(Integer, default=0)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
