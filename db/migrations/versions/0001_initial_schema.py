"""initial schema (revision 0001, 2026-11-23)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "harvest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("data_timestamp", sa.String(length=32), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("studies_seen", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("faults", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_runs_outcome"), ["outcome"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("nct_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("content_hash"),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_nct_id"), ["nct_id"], unique=False)

    op.create_table(
        "studies",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("brief_title", sa.Text(), nullable=True),
        sa.Column("official_title", sa.Text(), nullable=True),
        sa.Column("acronym", sa.Text(), nullable=True),
        sa.Column("overall_status", sa.String(length=40), nullable=True),
        sa.Column("study_type", sa.String(length=40), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("start_date_precision", sa.String(length=8), nullable=True),
        sa.Column("primary_completion_date", sa.Date(), nullable=True),
        sa.Column("completion_date", sa.Date(), nullable=True),
        sa.Column("first_posted_date", sa.Date(), nullable=True),
        sa.Column("last_update_posted_date", sa.Date(), nullable=True),
        sa.Column("enrollment", sa.Integer(), nullable=True),
        sa.Column("enrollment_type", sa.String(length=16), nullable=True),
        sa.Column("lead_sponsor_name", sa.Text(), nullable=True),
        sa.Column("lead_sponsor_class", sa.String(length=16), nullable=True),
        sa.Column("has_results", sa.Boolean(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_run_id", sa.Integer(), nullable=True),
        sa.Column("last_changed_run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("nct_id"),
    )
    op.create_table(
        "browse_branches",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("abbrev", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "abbrev"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "browse_leaves",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("leaf_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("relevance", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "leaf_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "collaborators",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("agency_class", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "ordinal"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "conditions",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("condition", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "ordinal"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "harvest_queries",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["harvest_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "ordinal"),
    )
    op.create_table(
        "mesh_terms",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("mesh_id", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("term", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "mesh_id", "kind"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "raw_records",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id"),
    )
    op.create_table(
        "sites",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("facility", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("zip", sa.String(length=40), nullable=True),
        sa.Column("country", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "ordinal"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "study_phases",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["nct_id"], ["studies.nct_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("nct_id", "phase"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("study_phases")
    op.drop_table("sites")
    op.drop_table("raw_records")
    op.drop_table("mesh_terms")
    op.drop_table("harvest_queries")
    op.drop_table("conditions")
    op.drop_table("collaborators")
    op.drop_table("browse_leaves")
    op.drop_table("browse_branches")
    op.drop_table("studies")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_nct_id"))

    op.drop_table("quarantine")
    with op.batch_alter_table("harvest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_runs_outcome"))

    op.drop_table("harvest_runs")
