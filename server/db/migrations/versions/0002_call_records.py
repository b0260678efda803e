"""call records: conversation turns, voice analytics, caller index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_turns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interrupted", sa.Boolean(), nullable=False),
        sa.Column("tool_calls", sa.JSON(), nullable=True),
        sa.Column("stt_ms", sa.Float(), nullable=True),
        sa.Column("engine_ms", sa.Float(), nullable=True),
        sa.Column("first_audio_ms", sa.Float(), nullable=True),
        sa.Column("voice_to_voice_ms", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["voice_calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id", "seq", name="uq_conversation_turns_call_seq"),
    )
    op.create_index("ix_conversation_turns_call_id", "conversation_turns", ["call_id"])
    op.create_table(
        "voice_analytics",
        sa.Column("call_id", sa.String(length=36), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("interruptions", sa.Integer(), nullable=False),
        sa.Column("voice_to_voice_p50_ms", sa.Float(), nullable=True),
        sa.Column("voice_to_voice_p95_ms", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["voice_calls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("call_id"),
    )
    op.create_index("ix_voice_analytics_outcome", "voice_analytics", ["outcome"])
    op.create_index("ix_voice_calls_caller", "voice_calls", ["caller"])


def downgrade() -> None:
    op.drop_index("ix_voice_calls_caller", table_name="voice_calls")
    op.drop_table("voice_analytics")
    op.drop_table("conversation_turns")
