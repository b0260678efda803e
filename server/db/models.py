"""Database tables (SQLAlchemy 2.0 typed mappings). Alembic migrations in `migrations/` match."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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
    caller: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    duration_s: Mapped[float | None] = mapped_column(Float, default=None)
    end_reason: Mapped[str | None] = mapped_column(String(32), default=None)


class ConversationTurn(Base):
    """One spoken turn (caller or agent) with its timings; appended in batches by the writer."""

    __tablename__ = "conversation_turns"
    __table_args__ = (UniqueConstraint("call_id", "seq", name="uq_conversation_turns_call_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("voice_calls.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    interrupted: Mapped[bool] = mapped_column(Boolean, default=False)
    tool_calls: Mapped[list[dict[str, object]] | None] = mapped_column(JSON, default=None)
    stt_ms: Mapped[float | None] = mapped_column(Float, default=None)
    engine_ms: Mapped[float | None] = mapped_column(Float, default=None)
    first_audio_ms: Mapped[float | None] = mapped_column(Float, default=None)
    voice_to_voice_ms: Mapped[float | None] = mapped_column(Float, default=None)


class VoiceAnalytics(Base):
    """Per-call summary computed once at call end (see server.hotel.records)."""

    __tablename__ = "voice_analytics"

    call_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("voice_calls.id", ondelete="CASCADE"), primary_key=True)
    duration_s: Mapped[float] = mapped_column(Float)
    turns: Mapped[int] = mapped_column(Integer)
    interruptions: Mapped[int] = mapped_column(Integer)
    voice_to_voice_p50_ms: Mapped[float | None] = mapped_column(Float, default=None)
    voice_to_voice_p95_ms: Mapped[float | None] = mapped_column(Float, default=None)
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    sentiment: Mapped[float | None] = mapped_column(Float, default=None)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The hotel domain's tables live next to the code that uses them; importing them here registers
# them on Base.metadata for Alembic (env.py) and for anyone importing this module.
from server.hotel import models as _hotel_models  # noqa: E402, F401
