"""investigators: site investigators and overall officials with first/last-seen history (revision 0007, 2026-11-27)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "investigators",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("person", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("affiliation", sa.Text(), nullable=True),
        sa.Column("site_ordinal", sa.Integer(), nullable=True),
        sa.Column("facility", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("place_id", sa.String(length=32), nullable=True),
        sa.Column("place_name", sa.Text(), nullable=True),
        sa.Column("regions", sa.Text(), nullable=True),
        sa.Column("institution_id", sa.Text(), nullable=True),
        sa.Column("institution_name", sa.Text(), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_id", sa.Integer(), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dropped_run_id", sa.Integer(), nullable=True),
        sa.Column("dropped_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "key"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("investigators")
