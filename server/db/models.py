"""Database tables (SQLAlchemy 2.0 typed mappings). Alembic migrations in `migrations/` match."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class VoiceCall(Base):
    """One call, from the first signalling message to its end by any path."""

    __tablename__ = "voice_calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    transport: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    caller: Mapped[str | None] = mapped_column(String(64), default=None)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)
