"""Alembic environment: the engine comes from :func:`db.migrate.alembic_config`, never from an ini file.

Every upgrade is one transaction that first takes the database's write lock, so migrations are
atomic and serialised on both backends: a migration that fails or is killed (even SIGKILL) leaves
the schema as it was, and several processes upgrading one new database at once (``trials
db-upgrade``, the app's refresh, the scheduler) run the migrations once, one after the other; the
later ones wait, then find the schema current. SQLite: ``BEGIN IMMEDIATE`` (the Python driver would
otherwise run each DDL statement in autocommit mode); PostgreSQL: DDL is transactional, and a
transaction-level advisory lock makes concurrent upgraders wait instead of failing on "already exists".
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from db.models import Base

config = context.config
engine = config.attributes["engine"]
#: The advisory lock key of schema migrations on PostgreSQL (any stable constant; not the run lock's).
PG_MIGRATION_LOCK = 0x7472_6D67  # "trmg"

with engine.begin() as connection:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the busy timeout for other writers
    elif connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
