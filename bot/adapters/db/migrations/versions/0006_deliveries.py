"""processed updates and their replies (exactly-once effects, an outbox for the replies)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the deliveries table."""
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("update_key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("replies", sa.JSON(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("sent_parts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("channel", "update_key", name="uq_deliveries_channel_update_key"),
    )
    op.create_index("ix_deliveries_user_id_delivered_at", "deliveries", ["user_id", "delivered_at"])
    op.create_index(op.f("ix_deliveries_delivered_at"), "deliveries", ["delivered_at"])


def downgrade() -> None:
    """Drop the deliveries table."""
    op.drop_index(op.f("ix_deliveries_delivered_at"), table_name="deliveries")
    op.drop_index("ix_deliveries_user_id_delivered_at", table_name="deliveries")
    op.drop_table("deliveries")
