"""twilio call fields: the call SID, numbers and Twilio's status for phone calls

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "twilio_calls",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(36),
                  sa.ForeignKey("voice_calls.id", ondelete="CASCADE"), nullable=True),
        sa.Column("direction", sa.String(24), nullable=False),
        sa.Column("from_number", sa.String(64), nullable=True),
        sa.Column("to_number", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_rank", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_twilio_calls_call_id", "twilio_calls", ["call_id"])


def downgrade() -> None:
    op.drop_table("twilio_calls")
