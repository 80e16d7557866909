"""the encryption check value (free text encrypted at rest when a key is set)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the encryption table (empty while the database is not encrypted)."""
    op.create_table(
        "encryption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption")),
    )


def downgrade() -> None:
    """Drop the encryption table."""
    op.drop_table("encryption")
