"""The transcript: bubbles in a stable order, attachments, errors with their actions, metrics, the inspector."""

from __future__ import annotations

import json

import streamlit as st

from chat import (
    WINDOW_MESSAGES,
    Caller,
    ChatError,
    ChatMessage,
    ChatSession,
    Lang,
    Sentence,
    attachment_chip,
    compact,
    fallback_model,
    get_model,
    known,
    max_duration,
    metrics_text,
    outcome_text,
    read_aloud,
    retired_text,
    safe_markdown,
    set_feedback,
    spoken_by,
    sync,
    t,
    text_in,
    vision_model_for,
    voice_mark,
)
from pages._ui import steps
from pages._ui.session import state, store
from pages._ui.sidebar import switch_model

# --- callbacks (run before the script, so they may change widget state) ------------------------------------------


def _retry(user_id: str) -> None:
    state().retry(user_id)


def _send_with(user_id: str, model_id: str) -> None:
    state().send_with(user_id, model_id)


def _switch_and_send(user_id: str, model_id: str) -> None:
    switch_model(model_id)
    state().switch_and_send(user_id, model_id)


def _switch_and_resend(user_id: str, model_id: str) -> None:
    """The model is no longer served: the conversation moves to `model_id` and the message goes again."""
    switch_model(model_id)
    state().retry(user_id)


def _without(user_id: str, name: str) -> None:
    chat = state()
    if not chat.without(user_id, name):  # still a draft: the store follows (it is rewritten from this message)
        sync(store(), chat, force_from=user_id)


def _remove(user_id: str) -> None:
    chat = state()
    text = chat.remove(user_id)
    if text:
        st.session_state["composer"] = text  # the typed text goes back into the box: nothing is lost
    sync(store(), chat)


def _edit(user_id: str) -> None:
    chat = state()
    chat.editing = user_id
    msg = chat.find(user_id)
    st.session_state[f"edit_{user_id}"] = msg.text if msg else ""


def _edit_done(user_id: str, send: bool) -> None:
    chat = state()
    if send:
        chat.edit(user_id, str(st.session_state.get(f"edit_{user_id}", "")))
    chat.editing = None


def _show_older() -> None:
    state().shown += 50


# --- rendering ---------------------------------------------------------------------------------------------------


def said(value: Sentence | str, lang: Lang) -> str:
    """A caption kept as a sentence, in `lang` (an old stored one as it was)."""
    return text_in(value, lang)


def _escape(text: str) -> str:
    return text.replace("[", "(").replace("]", ")")


def attachments(msg: ChatMessage, lang: Lang) -> None:
    """Thumbnails for images, a chip for every file (with why it does not fit)."""
    thumbs = [a for a in msg.attachments if a.thumbnail]
    if thumbs:
        st.image([a.thumbnail for a in thumbs], caption=[a.name for a in thumbs], width=120)  # type: ignore[misc]
    for att in msg.attachments:
        icon = {"image": ":material/image:", "pdf": ":material/picture_as_pdf:"}.get(att.kind, ":material/draft:")
        color = "green" if att.sendable else "red"
        st.markdown(f":{color}-badge[{icon} {_escape(attachment_chip(att, lang))}]")
        why = att.why_not(lang)
        if why:
            st.caption(_escape(why))
        if att.notes:  # what was done to the file: cut pages, rotated, location removed, downscaled
            st.caption(" · ".join(text_in(note, lang) for note in att.notes))


def user_body(msg: ChatMessage, lang: Lang, *, with_attachments: bool = True) -> None:
    """The text of a user message, its recordings (playable, marked "transcribed"), and its attachments."""
    if msg.text:
        st.markdown(safe_markdown(msg.text, lang))
    for note in msg.voice:
        if note.audio:
            st.audio(note.audio, format=note.mime)
        st.caption(voice_mark(note, lang))
    if with_attachments:
        attachments(msg, lang)


def _user(chat: ChatSession, msg: ChatMessage, lang: Lang, caller: Caller, is_last_user: bool) -> None:
    with st.chat_message("user"):
        if chat.editing == msg.id:
            st.text_area(t("ui.edit_label", lang), key=f"edit_{msg.id}")
            with st.container(horizontal=True):
                st.button(
                    t("ui.send", lang), key=f"es_{msg.id}", type="primary", on_click=_edit_done, args=(msg.id, True)
                )
                st.button(t("ui.cancel", lang), key=f"ec_{msg.id}", on_click=_edit_done, args=(msg.id, False))
        else:
            user_body(msg, lang, with_attachments=False)
        if msg.status == "blocked":  # why each file does not fit the model chosen now
            chat.recheck(msg)
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


def _blocked_actions(chat: ChatSession, msg: ChatMessage, lang: Lang) -> None:
    st.warning(t("ui.blocked", lang, model=chat.spec.label), icon=":material/block:")
    with st.container(horizontal=True):
        if any(a.images for a in msg.attachments) and not chat.spec.vision:
            vision = vision_model_for(chat.spec.provider)
            label = t("ui.switch_and_send", lang, model=vision.label)
            st.button(label, key=f"sw_{msg.id}", type="primary", on_click=_switch_and_send, args=(msg.id, vision.id))
        sendable = [a for a in msg.attachments if a.sendable]
        for i, att in enumerate(a for a in msg.attachments if not a.sendable):
            if msg.text or sendable or i > 0:
                label = t("ui.send_without", lang, name=att.name)
                st.button(label, key=f"wo_{msg.id}_{i}", on_click=_without, args=(msg.id, att.name))
        st.button(t("ui.remove", lang), key=f"rm_{msg.id}", icon=":material/delete:", on_click=_remove, args=(msg.id,))


def _failed_actions(chat: ChatSession, msg: ChatMessage, lang: Lang, caller: Caller) -> None:
    error = msg.error
    successor = error.successor if error is not None else None
    with st.container(horizontal=True):
        if successor and known(successor) is not None:
            label = t("ui.switch_resend", lang, model=get_model(successor).label)
            icon = ":material/swap_horiz:"
            args = (msg.id, successor)
            st.button(label, key=f"sr_{msg.id}", icon=icon, type="primary", on_click=_switch_and_resend, args=args)
        kind = "secondary" if successor else "primary"
        args = (msg.id,)
        st.button(
            t("ui.retry", lang), key=f"rt_{msg.id}", icon=":material/refresh:", type=kind, on_click=_retry, args=args
        )
        if error is not None and error.fallback_ok:
            spec = known(msg.model or "") or chat.spec
            needs_vision = any(a.kind == "image" for a in msg.attachments)
            other = fallback_model(spec, caller.keys, needs_vision=needs_vision)
            if other is not None:
                label = t("ui.fallback_offer", lang, model=other.label)
                args = (msg.id, other.id)
                st.button(label, key=f"fb_send_{msg.id}", icon=":material/swap_horiz:", on_click=_send_with, args=args)
        st.button(t("ui.remove", lang), key=f"rm_{msg.id}", icon=":material/delete:", on_click=_remove, args=(msg.id,))


def reasoning_block(msg: ChatMessage, lang: Lang) -> None:
    """A reply's thinking, folded above it, labelled with how long the model thought."""
    if not msg.reasoning:
        return
    end = msg.ttft if msg.ttft is not None else msg.duration
    label = t("ui.reasoning", lang)
    if msg.ttfr is not None and end is not None:
        label = t("ui.thought", lang, seconds=round(max(0.0, end - msg.ttfr), 1))
    with st.expander(label, icon=":material/psychology:", expanded=False):
        st.markdown(safe_markdown(msg.reasoning, lang))


def _read_aloud(chat: ChatSession, msg: ChatMessage, lang: Lang, caller: Caller) -> None:
    """The player of a reply read aloud (made when the person asks, once per reply), or why it cannot be."""
    clicked = st.session_state.pop(f"ra_{msg.id}_go", False)
    if clicked and msg.id not in chat.spoken:
        try:
            with st.spinner(t("voice.ui.reading", lang)):
                chat.spoken[msg.id] = read_aloud(msg.text, lang=lang, caller=caller)
        except ChatError as e:
            st.error(e.message(lang), icon=":material/volume_off:")
            return
    spoken = chat.spoken.get(msg.id)
    if spoken is not None:
        st.audio(spoken.audio, format=spoken.mime, autoplay=clicked)
        st.caption(spoken_by(spoken, lang))


def reply_footer(chat: ChatSession, msg: ChatMessage, lang: Lang, is_last: bool, caller: Caller) -> None:
    """Metrics, the outcome mark, copy, read aloud, regenerate and feedback under a reply."""
    mark = outcome_text(msg, lang, max_duration())
    if msg.status == "failed":
        st.error(mark or "", icon=":material/error:")
    elif mark:
        st.warning(mark, icon=":material/stop_circle:")
    st.caption(metrics_text(msg, lang))
    with st.container(horizontal=True, vertical_alignment="center"):
        with st.popover(t("ui.copy", lang), icon=":material/content_copy:", type="tertiary"):
            st.caption(t("ui.copy_help", lang))
            st.code(msg.text, language=None, wrap_lines=True)
        if msg.text and msg.id not in chat.spoken:
            st.button(
                t("voice.ui.read_aloud", lang),
                key=f"ra_{msg.id}",
                icon=":material/volume_up:",
                type="tertiary",
                on_click=st.session_state.__setitem__,
                args=(f"ra_{msg.id}_go", True),
            )
        if is_last and msg.reply_to and chat.pending is None:
            button = t("ui.retry", lang) if msg.status == "failed" else t("ui.regenerate", lang)
            args = (msg.reply_to,)
            st.button(
                button, key=f"rg_{msg.id}", icon=":material/refresh:", type="tertiary", on_click=_retry, args=args
            )
        default = None if msg.feedback is None else (1 if msg.feedback > 0 else 0)
        value = st.feedback("thumbs", key=f"fb_{msg.id}", on_change="ignore", default=default)
        set_feedback(store(), msg, None if value is None else (1 if value == 1 else -1))
    _read_aloud(chat, msg, lang, caller)


def _assistant(chat: ChatSession, msg: ChatMessage, lang: Lang, is_last: bool, caller: Caller) -> None:
    with st.chat_message("assistant"):
        if msg.via:
            st.caption(f":material/swap_horiz: {said(msg.via, lang)}")
        moved = retired_text(msg, lang)
        if moved:
            st.caption(f":material/update: {moved}")
        reasoning_block(msg, lang)
        steps.stored(msg, lang, can_decide=is_last and chat.pending is None)
        if msg.text or not msg.steps:
            st.markdown(safe_markdown(msg.text, lang))
        reply_footer(chat, msg, lang, is_last, caller)


def render(chat: ChatSession, lang: Lang, caller: Caller, *, only: set[str] | None = None) -> None:
    """Draw the transcript (the newest `chat.shown` messages, of `only` when given) in its stored order."""
    visible, hidden = chat.visible()
    visible = [m for m in visible if only is None or m.id in only]
    if hidden:
        label = t("ui.show_older", lang, count=min(hidden, 50))
        st.button(label, icon=":material/expand_less:", on_click=_show_older, type="tertiary")
    last_user, last_reply = chat.last_user(), chat.last_reply()
    for msg in visible:
        if msg.role == "user":
            _user(chat, msg, lang, caller, msg is last_user)
        elif msg.status != "streaming" and msg.id != chat.pending_resume:  # drawn live by the turn instead
            _assistant(chat, msg, lang, msg is last_reply and chat.messages[-1] is msg, caller)


def inspector(chat: ChatSession, lang: Lang) -> None:
    """Which messages are in the window, their tokens, the total against the budget, and the last payload."""
    view = chat.window_view()
    context = [m for m in chat.messages if m.id in view.tokens]
    total = sum(1 for m in chat.messages if m.in_context)
    with st.expander(t("ui.inspector", lang), icon=":material/data_object:"):
        if view.too_large:
            st.warning(t("ui.window_too_large", lang, model=chat.spec.label, budget=compact(view.budget, lang)))
        st.caption(
            t(
                "ui.window_summary",
                lang,
                count=len(view.inside),
                total=total,
                n=WINDOW_MESSAGES,
                tokens=compact(view.total, lang),
                budget=compact(view.budget, lang),
            )
        )
        if view.outside:
            st.caption(t("ui.older_outside", lang, count=view.outside))
        rows = []
        for m in context:
            inside = m.id in view.inside
            mark = t("ui.in_window", lang) if inside else t("ui.outside", lang)
            who = t("ui.role_user", lang) if m.role == "user" else t("ui.role_assistant", lang)
            snippet = " ".join(m.text.split())[:60]
            colour = ":green" if inside else ":gray"
            rows.append(f"- {colour}[{mark}] **{who}** · ~{view.tokens.get(m.id, 0)} tokens · {_escape(snippet)}")
        if rows:
            st.markdown("\n".join(rows))
        last = chat.last_reply()
        st.caption(t("ui.payload", lang))
        if last is not None and last.context is not None:
            st.code(json.dumps(last.context.payload, indent=2, ensure_ascii=False), language="json")
        else:
            st.caption(t("ui.no_payload", lang))
