"""reconciliation events, removed studies, job claims, run lock, count snapshots (revision 0004, 2026-11-25)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    with op.batch_alter_table("studies") as batch_op:
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("removed_reason", sa.Text(), nullable=True))
    op.create_table(
        "study_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_study_events_nct_id", "study_events", ["nct_id"])
    op.create_table(
        "job_claims",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "slot"),
    )
    op.create_table(
        "run_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "count_snapshots",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("bucket", sa.String(length=32), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("trials", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "level", "key", "dimension", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("count_snapshots")
    op.drop_table("run_locks")
    op.drop_table("job_claims")
    op.drop_index("ix_study_events_nct_id", table_name="study_events")
    op.drop_table("study_events")
    with op.batch_alter_table("studies") as batch_op:
        batch_op.drop_column("removed_reason")
        batch_op.drop_column("removed_at")
