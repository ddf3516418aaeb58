"""site places, institutions and study areas (revision 0002, 2026-11-23)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "study_areas",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "area"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("place_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("place_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("place_method", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("place_flag", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("regions", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("institution_id", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("institution_name", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("institution_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("institution_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("placeholder", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("placeholder")
        batch_op.drop_column("institution_confidence")
        batch_op.drop_column("institution_status")
        batch_op.drop_column("institution_name")
        batch_op.drop_column("institution_id")
        batch_op.drop_column("regions")
        batch_op.drop_column("place_flag")
        batch_op.drop_column("place_method")
        batch_op.drop_column("place_name")
        batch_op.drop_column("place_id")

    op.drop_table("study_areas")
