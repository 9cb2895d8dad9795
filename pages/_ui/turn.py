"""One turn: take what was submitted (convert + preflight the files), then send and stream the reply.

Stop: `chat_input(submit_mode="stop")` turns Send into Stop while the script runs. A click makes Streamlit raise
StopException at the next Streamlit call of this script thread; the stream loop renders at least every
`HEARTBEAT` seconds, so that call comes quickly even while the upstream is silent. The `finally` below then
cancels the reply (closing the upstream connection at once), stores the partial text as `stopped` and flags a
refresh, which the `_after_stop` fragment (registered before the stream) turns into a rerun once the stopped run
has ended, so the transcript shows the stopped mark.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from chat import persist, service
from chat import settings as limits
from chat.attachments import convert, preflight
from chat.catalog import get_model
from chat.conversation import (
    ChatMessage,
    ChatState,
    ErrorInfo,
    context_for,
    context_info,
    fill_reply,
    from_attachment,
    preflight_reason,
    recheck,
    unreadable,
    via_text,
)
from chat.errors import AttachmentError, ChatError
from chat.schema import ChatRequest
from chat.service import Caller
from chat.stream import paced
from chat.text import Lang, t
from pages._ui import owner, transcript
from pages._ui.session import state, store

CURSOR = " ▌"


def take_submission(chat: ChatState, value: Any, lang: Lang) -> None:
    """Turn a chat_input value into a user message, rendered now; queue it unless an attachment does not fit."""
    text = (getattr(value, "text", None) if not isinstance(value, str) else value) or ""
    files = list(getattr(value, "files", None) or [])
    msg = ChatMessage("user", text.strip())
    chat.moved_from = None
    spec = chat.spec
    budget = spec.input_budget(chat.max_tokens)
    with st.chat_message("user"):
        if msg.text:
            st.markdown(msg.text)
        for upload in files:
            data = upload.getvalue()
            bar = _Progress(upload.name, lang)
            try:
                att = convert(upload.name, data, upload.type, progress=bar)
            except AttachmentError as e:
                msg.attachments.append(unreadable(upload.name, upload.type, len(data), e.message(lang)))
                continue
            finally:
                bar.done()
            check = preflight(att, spec, budget_tokens=budget)
            msg.attachments.append(from_attachment(att, check, preflight_reason(att, check, spec, budget, lang)))
        recheck(msg, spec, chat.max_tokens, lang)
        transcript.attachments(msg, lang)
    chat.messages.append(msg)
    if msg.blocked or (not msg.text and not msg.attachments):
        msg.status = "blocked"
        if msg.blocked:  # stored now, so a refresh loses neither the text nor the files
            conv_id = persist.save_draft(store(), chat, msg, owner.current())
            if st.query_params.get("c") != conv_id:
                st.query_params["c"] = conv_id
        st.rerun()
    chat.pending, chat.pending_model, chat.pending_via = msg.id, None, None


class _Progress:
    """`progress(done, total)` for a long conversion: a bar appears once a job has a few steps."""

    def __init__(self, name: str, lang: Lang) -> None:
        self.name, self.lang = name, lang
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total < 5:
            return
        label = t("ui.converting", self.lang, name=self.name, done=done, total=total)
        if self.bar is None:
            self.bar = st.progress(0.0, text=label)
        self.bar.progress(min(1.0, done / max(total, 1)), text=label)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.empty()


class _Thinking:
    """A reasoning model's thinking, live in a status above the answer, folded once the answer starts."""

    def __init__(self, slot: Any, lang: Lang) -> None:
        self.slot, self.lang = slot, lang
        self.status: Any = None
        self.body: Any = None
        self.folded = False

    def show(self, reply: Any, done: bool) -> None:
        if not reply.reasoning:
            return
        if self.status is None:
            self.status = self.slot.status(t("ui.thinking", self.lang), expanded=True)
            self.body = self.status.empty()
        if not self.folded:
            self.body.markdown(reply.reasoning)
        if (reply.text or done) and not self.folded:
            self.folded = True
            seconds = (reply.ttft or reply.duration or 0.0) - (reply.ttfr or 0.0)
            self.status.update(
                label=t("ui.thought", self.lang, seconds=f"{max(0.0, seconds):.1f}"), state="complete", expanded=False
            )


@st.fragment(run_every=0.5)
def _after_stop() -> None:
    """After a Stop the script is dead mid-stream; this timer reruns the page so the stopped mark shows."""
    chat = state()
    if chat.stale:
        chat.stale = False
        st.rerun(scope="app")


def run_pending(chat: ChatState, lang: Lang, caller: Caller, owner: str | None) -> None:
    """Send the pending user message and stream the reply into a bubble; errors stay with the message.

    The user's message is in the store before the provider is called; the reply is written as it streams
    (throttled) and closed in the `finally`, with plain Python calls only (see chat.persist).
    """
    user = chat.find(chat.pending or "")
    model_id = chat.pending_model or chat.model
    via = chat.pending_via
    chat.pending = chat.pending_model = chat.pending_via = None
    if user is None:
        return
    spec = get_model(model_id)
    history = context_for(chat, user.id)
    settings = limits.fit(spec, chat.settings()).settings
    request = ChatRequest(messages=[m.to_message() for m in history], model=model_id, settings=settings)
    db = store()
    conv_id = persist.before_send(db, chat, user, owner)
    if st.query_params.get("c") != conv_id:
        st.query_params["c"] = conv_id
    with st.sidebar:
        _after_stop()
    try:
        reply = service.send(request, caller=caller)
    except ChatError as e:
        _failed(chat, user, e, spec.id, caller, lang)
        persist.sync(db, chat, force_from=user.id)
        st.rerun()
    msg = ChatMessage(
        "assistant",
        status="streaming",
        model=spec.id,
        provider=spec.provider,
        reply_to=user.id,
        via=via,
        context=context_info([m.id for m in history], reply),
    )
    chat.messages.append(msg)
    writer = persist.ReplyWriter(db, chat, msg)
    failure: ChatError | None = None
    with st.chat_message("assistant"):
        if via:
            st.caption(f":material/swap_horiz: {via}")
        thinking = _Thinking(st.container(), lang)
        box = st.empty()
        try:
            for tick in paced(reply):
                thinking.show(reply, tick.done)
                if reply.text or tick.done:
                    box.markdown(reply.text + ("" if tick.done else CURSOR))
                writer.update(reply.text)
        except ChatError as e:
            failure = e
        finally:
            if not reply.done:
                reply.cancel()
            fill_reply(msg, reply)
            if msg.status == "streaming":  # the reader thread has not noticed the cancel yet
                msg.status = "stopped"
            writer.finish()
            # No Streamlit call here (not even session_state): after a Stop each one raises again.
            chat.stale = msg.status == "stopped"
    if failure is not None and not msg.text:
        chat.messages.remove(msg)
        _failed(chat, user, failure, spec.id, caller, lang)
    elif failure is not None:
        msg.status, msg.error = "failed", ErrorInfo.of(failure)
        writer.finish()
    persist.sync(db, chat, force_from=user.id if user.status == "failed" else None)
    chat.stale = False
    st.rerun()


def _failed(chat: ChatState, user: ChatMessage, error: ChatError, model_id: str, caller: Caller, lang: Lang) -> None:
    """Keep the user's message with the error; on a 429/5xx go to the other provider if the user asked for it."""
    user.status, user.error, user.model = "failed", ErrorInfo.of(error), model_id
    info = user.error
    if not (info.fallback_ok and chat.auto_fallback):
        return
    spec = get_model(model_id)
    other = service.fallback_model(spec, caller, needs_vision=any(a.kind == "image" for a in user.attachments))
    if other is not None:
        chat.queue(user.id, model=other.id, via=via_text(spec.provider, other, info, lang))
