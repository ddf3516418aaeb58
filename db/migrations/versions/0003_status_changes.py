"""status changes observed between harvests (revision 0003, 2026-11-25)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("old_status", sa.String(length=40), nullable=True),
        sa.Column("new_status", sa.String(length=40), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_posted_date", sa.Date(), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_status_changes_nct_id", "status_changes", ["nct_id"])


def downgrade() -> None:
    op.drop_index("ix_status_changes_nct_id", table_name="status_changes")
    op.drop_table("status_changes")
