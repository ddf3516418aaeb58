"""study_areas.evidence holds the reason (term -> tree/rule -> area), not just its kind (revision 0006, 2026-11-27)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("study_areas") as batch:  # SQLite rebuilds the table; PostgreSQL alters in place
        batch.alter_column("evidence", type_=sa.Text(), existing_type=sa.String(length=8))


def downgrade() -> None:
    with op.batch_alter_table("study_areas") as batch:
        batch.alter_column("evidence", type_=sa.String(length=8), existing_type=sa.Text())
