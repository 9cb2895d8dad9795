"""messages.heartbeat: when the process streaming a reply last said it was alive.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-02

With several replicas on one database, a replica cannot tell a reply another one is still streaming from one
whose process was killed, except by time: the writer touches `heartbeat` every few seconds, and a `streaming`
reply whose heartbeat is older than the store's `stale_after` is settled as interrupted (chat.store.liveness).
Rows from before have none (NULL): nobody is writing them any more.

Native `ADD COLUMN` / `DROP COLUMN` (SQLite >= 3.35), never a batch copy of `messages` (it would drop the FTS
triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("heartbeat", sa.Double))


def downgrade() -> None:
    op.drop_column("messages", "heartbeat")
