"""Per-session state of the chat page: the ChatState, the language, the caller (limits and session keys)."""

from __future__ import annotations

import os
from typing import cast

import streamlit as st
from pydantic import SecretStr

from chat.api import clientip
from chat.config import PROVIDERS
from chat.conversation import ChatState, client_ip, seed_messages
from chat.service import Caller
from chat.store import Store, shared_store
from chat.text import Lang

STATE = "charla"


def state() -> ChatState:
    """This session's ChatState (created on first use)."""
    current = st.session_state.get(STATE)
    if not isinstance(current, ChatState):
        current = ChatState()
        seed = os.environ.get("CHARLA_BENCH_SEED_MESSAGES", "")  # test/benchmark hook only
        if seed.isdigit():
            current.messages = seed_messages(int(seed))
        st.session_state[STATE] = current
    return current


def lang() -> Lang:
    """The chosen language ('en' or 'es')."""
    return cast(Lang, "es" if st.session_state.get("lang") == "es" else "en")


def session_key(provider: str) -> SecretStr | None:
    """The key this session entered for `provider` (never shown, never stored beyond the session)."""
    value = st.session_state.get(f"key_{provider}")
    return SecretStr(value.strip()) if isinstance(value, str) and value.strip() else None


def caller(chat: ChatState) -> Caller:
    """Who is asking: the session id, the client IP and the session's own keys.

    The IP follows the API's rules (`chat.api.clientip`): X-Forwarded-For counts only behind the proxies named in
    CHARLA_TRUSTED_PROXIES, so one per-IP limit holds across the UI and the API and a refresh does not reset it.
    """
    try:
        peer = client_ip(st.context.ip_address)  # None on loopback; a mock under AppTest
        forwarded = st.context.headers.get_all("x-forwarded-for")
    except Exception:  # outside a browser session (bare script run)
        peer, forwarded = client_ip(None), []
    ip = clientip.resolve(peer, forwarded) or peer
    return Caller(session=chat.session, ip=ip, keys={p: session_key(p) for p in PROVIDERS})


def store() -> Store:
    """The process's conversation store (the database under CHARLA_DATA_DIR)."""
    return shared_store()


def replace(chat: ChatState) -> ChatState:
    """Show `chat` from now on (an opened or a new conversation): its settings go into the sidebar widgets."""
    old = st.session_state.get(STATE)
    if isinstance(old, ChatState):
        chat.session = old.session  # the rate limits follow the browser tab, not the conversation
    st.session_state[STATE] = chat
    spec = chat.spec
    st.session_state["provider"], st.session_state["model"] = spec.provider, spec.id
    st.session_state["system_prompt"] = chat.system_prompt
    for key in [k for k in st.session_state if str(k).startswith(("temp_", "maxout_"))]:
        del st.session_state[key]
    return chat
