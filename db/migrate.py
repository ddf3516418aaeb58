"""Run the Alembic migrations programmatically (every command calls :func:`upgrade` first)."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
#: Alembic's ``context`` is one module-level object: two threads of one process must not migrate at once
#: (processes are serialised by the database itself, see ``migrations/env.py``).
_UPGRADING = threading.Lock()


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to ``revision``; a no-op when it is already there.

    One transaction that waits for other upgraders: atomic and serialised (see ``migrations/env.py``).
    """
    with _UPGRADING:
        command.upgrade(alembic_config(engine), revision)


def schema_revisions(engine: Engine) -> tuple[str | None, str, bool]:
    """The database's schema revision (None: no schema), this code's head, and whether the code knows
    the database's revision (False: written by a newer version). Reads only; connection errors propagate."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = script.get_current_head()
    assert head is not None  # the migrations folder ships with the code
    known = current is None or current in {r.revision for r in script.walk_revisions()}
    return current, head, known
