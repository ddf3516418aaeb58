"""Storage: SQLAlchemy models, engine factory, migrations and idempotent upserts."""
