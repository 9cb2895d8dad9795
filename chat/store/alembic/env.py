"""Alembic's environment for the store: it runs on the Connection :func:`chat.store.migrate.upgrade` hands in
(inside that caller's transaction and migration lock), never from an alembic.ini, so nothing is read from the
working directory. To migrate by hand, run `python -m chat.store migrate [DATABASE]`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from chat.store.schema import metadata


def run(connection: sa.Connection) -> None:
    """Apply the pending revisions on `connection` (already in a transaction: Alembic does not start another)."""
    context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, sa.Connection):
    raise RuntimeError("the store migrates itself when it opens; to migrate by hand: python -m chat.store migrate")
run(connection)
