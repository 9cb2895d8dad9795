"""Copy every conversation of one database into another: `python -m chat.store copy SRC DST`.

Made to move a SQLite file (a laptop's, or a single server's) into PostgreSQL before adding replicas; it works
between any two databases the store opens. Stop the app that writes SRC first. Both are brought to the newest
schema as Charla would bring them when it opens them (SRC included: an old file is adopted).

Idempotent, by conversation id: ids are kept (so `?c=` links keep working) and a conversation whose id DST
already has is skipped, never overwritten and never duplicated. Run it again after an interruption and it copies
what is left; run it again later and it copies only the conversations created since (a conversation that
changed in SRC after it was copied is not updated). Each conversation is one transaction in DST: all of its
messages or none. Owners (the sha256 of each browser's secret) are kept, so every browser still sees its own
history. Messages keep their order, times, statuses, errors, details, feedback and attachments; their ids are
DST's own. A reply SRC still holds as `streaming` arrives interrupted (nobody will finish it in DST).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from chat.store.conversations import Store
from chat.store.models import Conversation, StoredMessage
from chat.store.schema import conversations

BATCH = 200


@dataclass
class Copied:
    """What a copy did."""

    conversations: int = 0
    messages: int = 0
    skipped: int = 0


def _copy_one(dst: Store, conv: Conversation, msgs: list[StoredMessage]) -> bool:
    try:
        dst.import_conversation(
            conv_id=conv.id,
            owner=conv.owner,
            title=conv.title,
            model=conv.model,
            settings=conv.settings,
            messages=[m.record() for m in msgs],
            created_at=conv.created_at.timestamp(),
            updated_at=conv.updated_at.timestamp(),
        )
    except sa.exc.IntegrityError:  # another copy got there first
        return False
    return True


def _existing(dst: Store, ids: list[str]) -> set[str]:
    return {str(r[0]) for r in dst._read(sa.select(conversations.c.id).where(conversations.c.id.in_(ids)))}


def copy(src: Store, dst: Store) -> Copied:
    """Copy `src`'s conversations that `dst` does not have (see the module docstring)."""
    done = Copied()
    ids = [str(r[0]) for r in src._read(sa.select(conversations.c.id).order_by(conversations.c.created_at))]
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        have = _existing(dst, batch)
        done.skipped += len(have)
        for conv_id in batch:
            conv = src.get_conversation(conv_id)
            if conv_id in have or conv is None:
                continue
            msgs = src.messages(conv_id)
            if _copy_one(dst, conv, msgs):
                done.conversations += 1
                done.messages += len(msgs)
            else:
                done.skipped += 1
    return done


def copy_databases(src: Path | str, dst: Path | str) -> Copied:
    """Open both databases (migrating them), copy, close."""
    with Store(src) as source, Store(dst) as target:
        if source.key == target.key:
            raise ValueError("SRC and DST are the same database")
        return copy(source, target)
