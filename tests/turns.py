"""A whole turn the way the chat page runs one, without Streamlit (for the session, tool and voice tests)."""

from __future__ import annotations

from chat.service import Caller
from chat.session import ChatSession
from chat.store import Store
from chat.turn import Turn

CALLER = Caller(session="tab-1", ip="127.0.0.1")


def run(chat: ChatSession, store: Store) -> Turn | None:
    """What the page does with a pending message: start, stream to the end, close."""
    turn = Turn.start(chat, CALLER, store, None)
    if turn is not None:
        try:
            for _ in turn.ticks():
                pass
        finally:
            turn.close()
    return turn
