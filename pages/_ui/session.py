"""Per-session state of the chat page: the ChatSession, the language, the caller (limits and session keys)."""

from __future__ import annotations

import os
from typing import cast

import streamlit as st
from pydantic import SecretStr

from chat import PROVIDERS, Caller, ChatSession, Lang, SessionKeys, Store, client_address, seed_messages, shared_store

STATE = "charla"
KEYRING = "_charla_session_keys"


def state() -> ChatSession:
    """This browser session's ChatSession (created on first use)."""
    current = st.session_state.get(STATE)
    if not isinstance(current, ChatSession):
        current = ChatSession()
        seed = os.environ.get("CHARLA_BENCH_SEED_MESSAGES", "")  # test/benchmark hook only
        if seed.isdigit():
            current.messages = seed_messages(int(seed))
        st.session_state[STATE] = current
    return current


def lang() -> Lang:
    """The chosen language ('en' or 'es')."""
    return cast(Lang, "es" if st.session_state.get("lang") == "es" else "en")


def session_key(provider: str) -> SecretStr | None:
    """The key this session entered for `provider` (never shown, never stored; its SDK client goes with the session)."""
    value = st.session_state.get(f"key_{provider}")
    if not (isinstance(value, str) and value.strip()):
        return None
    ring = st.session_state.get(KEYRING)
    if not isinstance(ring, SessionKeys):
        ring = st.session_state[KEYRING] = SessionKeys()
    return ring.note(SecretStr(value.strip()))


def session_keys() -> dict[str, SecretStr | None]:
    """This session's own keys, by provider."""
    return {p: session_key(p) for p in PROVIDERS}


def caller(chat: ChatSession) -> Caller:
    """Who is asking: the session id, the client IP (the API's rules, see chat.api.clientip) and the session's keys."""
    try:
        peer, forwarded = st.context.ip_address, st.context.headers.get_all("x-forwarded-for")
    except Exception:  # outside a browser session (bare script run)
        peer, forwarded = None, []
    return Caller(session=chat.session, ip=client_address(peer, forwarded), keys=session_keys())  # type: ignore[arg-type]


def store() -> Store:
    """The process's conversation store."""
    return shared_store()


def replace(chat: ChatSession) -> ChatSession:
    """Show `chat` from now on (an opened or a new conversation): its settings go into the sidebar widgets."""
    old = st.session_state.get(STATE)
    if isinstance(old, ChatSession):
        chat.session = old.session  # the rate limits follow the browser tab, not the conversation
    st.session_state[STATE] = chat
    spec = chat.spec
    st.session_state["provider"], st.session_state["model"] = spec.provider, spec.id
    st.session_state["system_prompt"] = chat.system_prompt
    for key in [k for k in st.session_state if str(k).startswith(("temp_", "maxout_", "effort_"))]:
        del st.session_state[key]
    return chat
