"""a time zone per user (reminders and "tomorrow" at their local time)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the user's IANA time zone (empty: guessed from the language until set)."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop the time zone."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
