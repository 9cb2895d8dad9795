"""Which `streaming` replies are still being written, in this process and across processes and replicas.

A reply is stored `streaming` while it arrives. If its process dies (SIGKILL, OOM, a redeploy), nobody will
finish it: it must read as interrupted, with the text that arrived. How a reader tells a dead writer from a
live one:

* in this process: the registry of replies this process is writing (per database) — never settled;
* in any other process: the heartbeat. The writer stamps `messages.heartbeat` when it opens the reply, at every
  text update, and every `HEARTBEAT` s from a daemon thread while it streams (the provider may be silent for a
  while). A `streaming` reply whose heartbeat is older than the reader's `stale_after` (default `STALE_AFTER`
  s), or missing (rows from before revision 0002), belongs to a dead process and is *settled*: status
  `stopped`, error INTERRUPTED, text kept.

Settling happens when a Store opens (every stale reply) and when a conversation's messages are read (that
conversation's), so a reply killed on one replica reads as interrupted on another within `stale_after` s. A
writer that was only stalled (longer than `stale_after`) takes its reply back at its next write or heartbeat.
Replicas compare their wall clocks here: keep them in sync (NTP); `STALE_AFTER` leaves seconds of slack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection

import sqlalchemy as sa

from chat.store.models import INTERRUPTED
from chat.store.schema import messages

log = logging.getLogger(__name__)

HEARTBEAT = 2.0
"""Seconds between two heartbeats of the replies a process is streaming."""
STALE_AFTER = 10.0
"""Seconds without a heartbeat after which a `streaming` reply is taken for a dead process's."""

_live: dict[str, set[int]] = {}
_live_lock = threading.Lock()


def add(database: str, msg_id: int) -> None:
    """This process writes reply `msg_id` of `database` from now on."""
    with _live_lock:
        _live.setdefault(database, set()).add(msg_id)


def discard(database: str, msg_id: int) -> None:
    """This process no longer writes reply `msg_id`."""
    with _live_lock:
        _live.get(database, set()).discard(msg_id)


def live(database: str) -> set[int]:
    """The replies of `database` this process is writing now."""
    with _live_lock:
        return set(_live.get(database, ()))


def stale(heartbeat: float | None, now: float, stale_after: float) -> bool:
    """Whether a `streaming` reply with this heartbeat belongs to a dead writer."""
    return heartbeat is None or heartbeat < now - stale_after


def settle(
    conn: sa.Connection, *, now: float, stale_after: float, spare: Collection[int], conversation: str | None = None
) -> list[int]:
    """Mark the stale `streaming` replies (of one conversation, or all) interrupted, except `spare`; their ids."""
    cutoff = now - stale_after
    stmt = (
        messages.update()
        .where(messages.c.status == "streaming")
        .where(sa.or_(messages.c.heartbeat.is_(None), messages.c.heartbeat < cutoff))
        .where(messages.c.id.not_in(list(spare)))
        .values(status="stopped", error=INTERRUPTED)
        .returning(messages.c.id)
    )
    if conversation is not None:
        stmt = stmt.where(messages.c.conversation_id == conversation)
    return sorted(int(i) for i in conn.execute(stmt).scalars())


def revive_condition() -> sa.ColumnElement[bool]:
    """Rows a live writer may still write: streaming, or settled as interrupted while it was only stalled."""
    return sa.or_(
        messages.c.status == "streaming",
        sa.and_(messages.c.status == "stopped", messages.c.error == INTERRUPTED),
    )


class Heartbeat:
    """A daemon thread that calls `beat(ids)` every `interval` s while some replies are being written."""

    def __init__(self, beat: Callable[[list[int]], None], *, interval: float | None = None) -> None:
        self._beat = beat
        self._interval = HEARTBEAT if interval is None else interval
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, msg_id: int) -> None:
        with self._lock:
            self._ids.add(msg_id)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="charla-heartbeat", daemon=True)
                self._thread.start()

    def unwatch(self, msg_id: int) -> None:
        with self._lock:
            self._ids.discard(msg_id)

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                ids = sorted(self._ids)
                if not ids:  # nothing streams: end the thread (the next reply starts another)
                    self._thread = None
                    return
            try:
                self._beat(ids)
            except sa.exc.SQLAlchemyError as e:  # the database is away: the next beat tries again
                log.warning("reply heartbeat failed (%s)", type(e).__name__)
