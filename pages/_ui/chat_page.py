"""The chat page: settings, transcript, the composer with its quota meter, and the turn in flight."""

from __future__ import annotations

import os
import sys
import time

import streamlit as st

from chat import (
    ATTACHMENT_TYPES,
    AUDIO_TYPES,
    Caller,
    ChatSession,
    Lang,
    load,
    peek_quota,
    provider_label,
    quota_text,
    retirement,
    save_settings,
    t,
)
from pages._ui import owner, sidebar, transcript, turn
from pages._ui.session import caller as make_caller
from pages._ui.session import lang as current_lang
from pages._ui.session import replace, state, store

DISABLED = "_charla_input_disabled"


def _meter(who: Caller, lang: Lang) -> None:
    """The quota line above the input; while none is left it counts down every second and re-enables the input."""
    quota = peek_quota(session=who.session, ip=who.ip)
    if quota is None:
        return
    if quota.remaining == 0:
        st.warning(quota_text(quota, lang), icon=":material/hourglass_top:")
    else:
        st.caption(quota_text(quota, lang, countdown=False))
    if (quota.remaining == 0) != st.session_state.get(DISABLED, False):
        st.rerun(scope="app")


def _follow_url(chat: ChatSession, who: str | None) -> ChatSession:
    """Open the conversation named by `?c=` (once; then it lives in session state), or put the open one there."""
    wanted = st.query_params.get("c")
    if wanted and wanted != chat.conversation_id:
        loaded = load(store(), wanted, who)
        if loaded is None:  # unknown, deleted, or another browser's: say so, never show anything of it
            st.query_params.pop("c", None)
            return replace(ChatSession(missing=True))
        return replace(loaded)
    if not wanted and chat.conversation_id:  # back from another page: keep the open conversation in the URL
        st.query_params["c"] = chat.conversation_id
    return chat


def _notices(chat: ChatSession, lang: Lang) -> None:
    if chat.missing:
        st.info(t("ui.conv_missing", lang), icon=":material/search_off:")
    moved = retirement(chat.moved_from) if chat.moved_from else None
    if moved is not None:
        name = provider_label(moved.provider)
        note = t("ui.model_moved", lang, model=moved.model, provider=name, successor=chat.spec.label)
        st.info(note, icon=":material/update:")


def _composer(chat: ChatSession, who: Caller, lang: Lang) -> None:
    quota = peek_quota(session=who.session, ip=who.ip)
    exhausted = quota is not None and quota.remaining == 0
    st.session_state[DISABLED] = exhausted
    with st.bottom:
        # Ticks only while the input waits: a fragment that reruns every second beside the chat input made the
        # input vanish now and then at the end of a reply (its rerun raced the app's, on Streamlit 1.67).
        st.fragment(run_every=1.0 if exhausted else None)(_meter)(who, lang)
    wait = quota.reset if quota is not None else 0
    placeholder = t("ui.quota_placeholder", lang, seconds=wait) if exhausted else t("ui.placeholder", lang)
    value = st.chat_input(
        placeholder,
        key="composer",
        accept_file="multiple",
        file_type=[*ATTACHMENT_TYPES, *AUDIO_TYPES],
        accept_audio=True,
        disabled=exhausted,
        submit_mode="stop",
    )
    if value and chat.pending is None:
        turn.take_submission(chat, value, lang, who)


def render() -> None:
    """Draw the page and run the pending turn, if any."""
    started = time.perf_counter()
    lang = current_lang()
    me = owner.current()
    chat = _follow_url(state(), me)
    _notices(chat, lang)
    sidebar.adopt(chat)  # the widgets are drawn with the history, after a turn's first token
    save_settings(store(), chat)
    who = make_caller(chat)
    drawn = {m.id for m in chat.messages}  # the history; a message typed now is drawn by its turn
    history = st.container()

    def draw_rest() -> None:
        """The history and the sidebar: after a turn's first token (see `turn.run_pending`), else at once."""
        with history:
            transcript.render(chat, lang, who, only=drawn)
        sidebar.render(chat, lang)
        save_settings(store(), chat)

    _composer(chat, who, lang)
    turn.run_pending(chat, lang, who, me, draw_rest)
    if not chat.messages:  # drawn last, so a first message replaces it instead of pushing it down
        st.caption(t("ui.empty", lang))
    else:
        transcript.inspector(chat, lang)
    if os.environ.get("CHARLA_BENCH_TIMING"):  # benchmark hook only: server time of one script run
        print(f"charla-bench script_ms={(time.perf_counter() - started) * 1000:.1f}", file=sys.stderr, flush=True)
