"""The transcript: bubbles in a stable order, attachments, errors with their actions, metrics, the inspector."""

from __future__ import annotations

import json

import streamlit as st

from chat import config, persist
from chat.catalog import get_model, known, vision_model_for
from chat.config import WINDOW_MESSAGES
from chat.conversation import (
    ChatMessage,
    ChatState,
    chip,
    in_context,
    inspect_window,
    metrics_text,
    outcome_text,
    recheck,
    retired_text,
    via_text,
)
from chat.service import Caller, fallback_model
from chat.text import Lang, t, text_in
from chat.tokens import compact
from pages._ui.session import state, store
from pages._ui.sidebar import switch_model

# --- callbacks (run before the script, so they may change widget state) ------------------------------------------


def _retry(user_id: str) -> None:
    state().queue(user_id)


def _send_with(user_id: str, model_id: str) -> None:
    chat = state()
    msg = chat.find(user_id)
    failed = known(msg.model or "") if msg is not None else None
    via = None
    if msg is not None and msg.error is not None and failed is not None:
        lang: Lang = "es" if st.session_state.get("lang") == "es" else "en"
        via = via_text(failed.provider, get_model(model_id), msg.error, lang)
    chat.queue(user_id, model=model_id, via=via)


def _switch_and_send(user_id: str, model_id: str) -> None:
    chat = state()
    switch_model(model_id)
    msg = chat.find(user_id)
    if msg is not None:
        recheck(msg, chat.spec, chat.max_tokens, "en")
        if not msg.blocked:
            chat.queue(user_id)


def _switch_and_resend(user_id: str, model_id: str) -> None:
    """The model is no longer served: the conversation moves to `model_id` and the message goes again."""
    switch_model(model_id)
    state().queue(user_id)


def _without(user_id: str, name: str) -> None:
    chat = state()
    msg = chat.find(user_id)
    if msg is None:
        return
    msg.attachments = [a for a in msg.attachments if a.name != name]
    recheck(msg, chat.spec, chat.max_tokens, "en")
    if not msg.blocked:
        chat.queue(user_id)
    else:  # still a draft: the store follows (it is rewritten from this message)
        persist.sync(store(), chat, force_from=user_id)


def _remove(user_id: str) -> None:
    chat = state()
    msg = chat.find(user_id)
    if msg is not None and msg.text:
        st.session_state["composer"] = msg.text  # the typed text goes back into the box: nothing is lost
    chat.remove(user_id)
    persist.sync(store(), chat)


def _edit(user_id: str) -> None:
    state().editing = user_id
    msg = state().find(user_id)
    st.session_state[f"edit_{user_id}"] = msg.text if msg else ""


def _edit_done(user_id: str, send: bool) -> None:
    chat = state()
    chat.editing = None
    msg = chat.find(user_id)
    if send and msg is not None:
        msg.text = str(st.session_state.get(f"edit_{user_id}", msg.text))
        msg.tokens = None
        chat.queue(user_id)


def _show_older() -> None:
    state().shown += 50


# --- rendering ---------------------------------------------------------------------------------------------------


def attachments(msg: ChatMessage, lang: Lang) -> None:
    """Thumbnails for images, a chip for every file (with why it does not fit)."""
    thumbs = [a for a in msg.attachments if a.thumbnail]
    if thumbs:
        st.image([a.thumbnail for a in thumbs], caption=[a.name for a in thumbs], width=120)  # type: ignore[misc]
    for att in msg.attachments:
        icon = {"image": ":material/image:", "pdf": ":material/picture_as_pdf:"}.get(att.kind, ":material/draft:")
        color = "green" if att.sendable else "red"
        st.markdown(f":{color}-badge[{icon} {_escape(chip(att, lang))}]")
        if att.error or att.reason:
            st.caption(att.error or att.reason or "")
        if att.notes:  # what was done to the file: cut pages, rotated, location removed, downscaled
            st.caption(" · ".join(text_in(note, lang) for note in att.notes))


def _escape(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def _user(chat: ChatState, msg: ChatMessage, lang: Lang, caller: Caller, is_last_user: bool) -> None:
    with st.chat_message("user"):
        if chat.editing == msg.id:
            st.text_area(t("ui.edit_label", lang), key=f"edit_{msg.id}")
            with st.container(horizontal=True):
                st.button(
                    t("ui.send", lang), key=f"es_{msg.id}", type="primary", on_click=_edit_done, args=(msg.id, True)
                )
                st.button(t("ui.cancel", lang), key=f"ec_{msg.id}", on_click=_edit_done, args=(msg.id, False))
        elif msg.text:
            st.markdown(msg.text)
        if msg.status == "blocked":  # why each file does not fit, for the current model, in the current language
            recheck(msg, chat.spec, chat.max_tokens, lang)
        attachments(msg, lang)
        if msg.status == "blocked":
            _blocked_actions(chat, msg, lang)
        elif msg.status == "failed" and msg.error is not None:
            st.error(msg.error.message(lang), icon=":material/error:")
            _failed_actions(chat, msg, lang, caller)
        elif is_last_user and chat.editing != msg.id and chat.pending is None:
            st.button(
                t("ui.edit", lang),
                key=f"ed_{msg.id}",
                icon=":material/edit:",
                type="tertiary",
                on_click=_edit,
                args=(msg.id,),
            )


def _blocked_actions(chat: ChatState, msg: ChatMessage, lang: Lang) -> None:
    st.warning(t("ui.blocked", lang, model=chat.spec.label), icon=":material/block:")
    with st.container(horizontal=True):
        if any(a.kind == "image" or a.parts and not a.fits for a in msg.attachments) and not chat.spec.vision:
            vision = vision_model_for(chat.spec.provider)
            st.button(
                t("ui.switch_and_send", lang, model=vision.label),
                key=f"sw_{msg.id}",
                type="primary",
                on_click=_switch_and_send,
                args=(msg.id, vision.id),
            )
        sendable = [a for a in msg.attachments if a.sendable]
        for i, att in enumerate(a for a in msg.attachments if not a.sendable):
            if msg.text or sendable or i > 0:
                st.button(
                    t("ui.send_without", lang, name=att.name),
                    key=f"wo_{msg.id}_{i}",
                    on_click=_without,
                    args=(msg.id, att.name),
                )
        st.button(t("ui.remove", lang), key=f"rm_{msg.id}", icon=":material/delete:", on_click=_remove, args=(msg.id,))


def _failed_actions(chat: ChatState, msg: ChatMessage, lang: Lang, caller: Caller) -> None:
    with st.container(horizontal=True):
        successor = msg.error.params.get("successor") if msg.error is not None else None
        if isinstance(successor, str) and known(successor) is not None:
            st.button(
                t("ui.switch_resend", lang, model=get_model(successor).label),
                key=f"sr_{msg.id}",
                icon=":material/swap_horiz:",
                type="primary",
                on_click=_switch_and_resend,
                args=(msg.id, successor),
            )
        st.button(
            t("ui.retry", lang),
            key=f"rt_{msg.id}",
            icon=":material/refresh:",
            type="secondary" if successor else "primary",
            on_click=_retry,
            args=(msg.id,),
        )
        if msg.error is not None and msg.error.fallback_ok:
            spec = known(msg.model or "") or chat.spec
            other = fallback_model(spec, caller, needs_vision=any(a.kind == "image" for a in msg.attachments))
            if other is not None:
                st.button(
                    t("ui.fallback_offer", lang, model=other.label),
                    key=f"fb_send_{msg.id}",
                    icon=":material/swap_horiz:",
                    on_click=_send_with,
                    args=(msg.id, other.id),
                )
        st.button(t("ui.remove", lang), key=f"rm_{msg.id}", icon=":material/delete:", on_click=_remove, args=(msg.id,))


def reply_footer(chat: ChatState, msg: ChatMessage, lang: Lang, is_last: bool) -> None:
    """Metrics, the outcome mark, copy, regenerate and feedback under a reply."""
    mark = outcome_text(msg, lang, config.max_duration())
    if msg.status == "failed":
        st.error(mark or "", icon=":material/error:")
    elif mark:
        st.warning(mark, icon=":material/stop_circle:")
    st.caption(metrics_text(msg, lang))
    with st.container(horizontal=True, vertical_alignment="center"):
        with st.popover(t("ui.copy", lang), icon=":material/content_copy:", type="tertiary"):
            st.caption(t("ui.copy_help", lang))
            st.code(msg.text, language=None, wrap_lines=True)
        if is_last and msg.reply_to and chat.pending is None:
            button = t("ui.retry", lang) if msg.status == "failed" else t("ui.regenerate", lang)
            st.button(
                button,
                key=f"rg_{msg.id}",
                icon=":material/refresh:",
                type="tertiary",
                on_click=_retry,
                args=(msg.reply_to,),
            )
        default = None if msg.feedback is None else (1 if msg.feedback > 0 else 0)
        value = st.feedback("thumbs", key=f"fb_{msg.id}", on_change="ignore", default=default)
        persist.set_feedback(store(), msg, None if value is None else (1 if value == 1 else -1))


def reasoning_block(msg: ChatMessage, lang: Lang) -> None:
    """A reply's thinking, folded above it, labelled with how long the model thought."""
    if not msg.reasoning:
        return
    end = msg.ttft if msg.ttft is not None else msg.duration
    label = t("ui.reasoning", lang)
    if msg.ttfr is not None and end is not None:
        label = t("ui.thought", lang, seconds=f"{max(0.0, end - msg.ttfr):.1f}")
    with st.expander(label, icon=":material/psychology:", expanded=False):
        st.markdown(msg.reasoning)


def _assistant(chat: ChatState, msg: ChatMessage, lang: Lang, is_last: bool) -> None:
    with st.chat_message("assistant"):
        if msg.via:
            st.caption(f":material/swap_horiz: {msg.via}")
        moved = retired_text(msg, lang)
        if moved:
            st.caption(f":material/update: {moved}")
        reasoning_block(msg, lang)
        st.markdown(msg.text)
        reply_footer(chat, msg, lang, is_last)


def render(chat: ChatState, lang: Lang, caller: Caller) -> None:
    """Draw the transcript (the newest `chat.shown` messages) in its stored order."""
    visible, hidden = chat.visible()
    if hidden:
        st.button(
            t("ui.show_older", lang, count=min(hidden, 50)),
            icon=":material/expand_less:",
            on_click=_show_older,
            type="tertiary",
        )
    last_user, last_reply = chat.last_user(), chat.last_reply()
    for msg in visible:
        if msg.role == "user":
            _user(chat, msg, lang, caller, msg is last_user)
        elif msg.status != "streaming":
            _assistant(chat, msg, lang, msg is last_reply and chat.messages[-1] is msg)


def inspector(chat: ChatState, lang: Lang) -> None:
    """Which messages are in the window, their tokens, the total against the budget, and the last payload."""
    view = inspect_window(chat)
    context = [m for m in chat.messages if m.id in view.tokens]
    total = sum(1 for m in chat.messages if in_context(m))
    older = max(0, total - len(context))
    with st.expander(t("ui.inspector", lang), icon=":material/data_object:"):
        if view.too_large:
            st.warning(t("ui.window_too_large", lang, model=chat.spec.label, budget=compact(view.budget)))
        st.caption(
            t(
                "ui.window_summary",
                lang,
                count=len(view.inside),
                total=total,
                n=WINDOW_MESSAGES,
                tokens=compact(view.total),
                budget=compact(view.budget),
            )
        )
        if older:
            st.caption(t("ui.older_outside", lang, count=older))
        rows = []
        for m in context:
            inside = m.id in view.inside
            mark = t("ui.in_window", lang) if inside else t("ui.outside", lang)
            who = t("ui.role_user", lang) if m.role == "user" else t("ui.role_assistant", lang)
            snippet = " ".join(m.text.split())[:60]
            rows.append(
                f"- {':green' if inside else ':gray'}[{mark}] **{who}** · ~{view.tokens.get(m.id, 0)} "
                f"tokens · {_escape(snippet)}"
            )
        if rows:
            st.markdown("\n".join(rows))
        last = chat.last_reply()
        st.caption(t("ui.payload", lang))
        if last is not None and last.context is not None:
            st.code(json.dumps(last.context.payload, indent=2, ensure_ascii=False), language="json")
        else:
            st.caption(t("ui.no_payload", lang))


def model_label(model_id: str) -> str:
    """A model's display name."""
    return get_model(model_id).label
