"""One turn on screen: what was submitted (with a progress bar for a long conversion), then the reply as it streams.

Stop: `chat_input(submit_mode="stop")` turns Send into Stop while the script runs. A click makes Streamlit raise
StopException at the next Streamlit call of this script thread; `Turn.ticks()` yields at least every 0.25 s, so
that call comes quickly even while the upstream is silent. `Turn.close()` in the `finally` (plain Python) closes
the upstream connection and stores the partial reply as stopped; the `_after_stop` fragment (registered before the
stream) reruns the page once the stopped run has ended, so the transcript shows the stopped mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from chat import Caller, ChatSession, Lang, Turn, Upload, safe_markdown, save_draft, t
from pages._ui import owner, steps, transcript
from pages._ui.session import state, store

CURSOR = " ▌"


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


def take_submission(chat: ChatSession, value: Any, lang: Lang, caller: Caller) -> None:
    """A chat_input value becomes a user message, drawn now (a recording once transcribed); a draft that cannot go
    is stored and shown."""
    text = (getattr(value, "text", None) if not isinstance(value, str) else value) or ""
    files = [*(getattr(value, "files", None) or []), *([value.audio] if getattr(value, "audio", None) else [])]
    uploads = [Upload(f.name, f.getvalue(), f.type) for f in files]
    with st.chat_message("user"):
        typed = st.empty()
        if text.strip():  # drawn at once, before a slow conversion or transcription
            typed.markdown(safe_markdown(text.strip(), lang))
        msg = chat.submit(text, uploads, progress=lambda name: _Progress(name, lang))
        if msg.unheard and chat.pending == msg.id:
            with st.spinner(t("voice.ui.transcribing", lang)):
                chat.listen(msg, caller)
        with typed.container():
            transcript.user_body(msg, lang)
    if msg.status in ("blocked", "failed"):  # a file does not fit, or the recording could not be transcribed
        if msg.blocked or msg.status == "failed":  # stored now, so a refresh loses neither the text nor the files
            conv_id = save_draft(store(), chat, msg, owner.current())
            if st.query_params.get("c") != conv_id:
                st.query_params["c"] = conv_id
        st.rerun()


@st.fragment(run_every=0.5)
def _after_stop() -> None:
    """After a Stop the script is dead mid-stream; this timer reruns the page so the stopped mark shows."""
    chat = state()
    if chat.stale:
        chat.stale = False
        st.rerun(scope="app")


class _Thinking:
    """A reasoning model's thinking, live in a status above the answer, folded once the answer starts."""

    def __init__(self, slot: Any, lang: Lang) -> None:
        self.slot, self.lang = slot, lang
        self.status: Any = None
        self.body: Any = None
        self.folded = False

    def show(self, turn: Turn, done: bool) -> None:
        reply = turn.reply
        if not reply.reasoning:
            return
        if self.status is None:
            self.status = self.slot.status(t("ui.thinking", self.lang), expanded=True)
            self.body = self.status.empty()
        if not self.folded:
            self.body.markdown(safe_markdown(reply.reasoning, self.lang))
        if (reply.text or done) and not self.folded:
            self.folded = True
            seconds = (reply.ttft or reply.duration or 0.0) - (reply.ttfr or 0.0)
            label = t("ui.thought", self.lang, seconds=round(max(0.0, seconds), 1))
            self.status.update(label=label, state="complete", expanded=False)


class _Once:
    """Calls `draw` the first time it is called; later calls do nothing."""

    def __init__(self, draw: Callable[[], None]) -> None:
        self._draw: Callable[[], None] | None = draw

    def __call__(self) -> None:
        draw, self._draw = self._draw, None
        if draw is not None:
            draw()


def run_pending(chat: ChatSession, lang: Lang, caller: Caller, who: str | None, history: Callable[[], None]) -> None:
    """Send the pending user message and stream the reply into a bubble; errors stay with the message.

    `history` draws the conversation so far (into a container above) and the sidebar's settings (read before the
    turn by `sidebar.adopt`), once per run. With a turn to run it is drawn at the draw after the reply's first
    content (or after two silent heartbeats, or at the end): until then the browser still shows what the previous
    run drew. The first token neither waits for it on the server nor shares the browser's render with it (a
    history redrawn in the same render held the first token back by ~20 ms; the sidebar's widgets were half the
    messages sent before it). A failure before then draws it before it is raised: Streamlit drops the state of
    widgets a finished run did not draw (a session key typed in)."""
    draw = _Once(history)
    if chat.pending is None:
        draw()
        return
    try:
        _run(chat, lang, caller, who, draw)
    except Exception:
        draw()
        raise


def _run(chat: ChatSession, lang: Lang, caller: Caller, who: str | None, history: Callable[[], None]) -> None:
    with st.sidebar:
        _after_stop()
    db = store()
    turn = Turn.start(chat, caller, db, who)
    if turn is None:
        if chat.conversation_id and st.query_params.get("c") != chat.conversation_id:
            st.query_params["c"] = chat.conversation_id
        st.rerun()
    try:  # from here on a Stop (raised at any Streamlit call) still settles the turn
        if chat.conversation_id and st.query_params.get("c") != chat.conversation_id:
            st.query_params["c"] = chat.conversation_id
        with st.chat_message("assistant"):
            _stream(turn, lang, history)
    finally:
        turn.close()  # plain Python only: after a Stop every Streamlit call raises again
    chat.stale = False
    st.rerun()


def _stream(turn: Turn, lang: Lang, history: Callable[[], None]) -> None:
    """The reply as it streams: thinking, tool steps and text; then the history (see `run_pending`)."""
    if turn.msg.via:
        st.caption(f":material/swap_horiz: {transcript.said(turn.msg.via, lang)}")
    thinking, tools, box = _Thinking(st.container(), lang), steps.Live(st.container(), lang), st.empty()
    shown = False  # has the reply drawn anything yet (text, thinking or a tool step)
    for n, tick in enumerate(turn.ticks()):
        first = not shown and bool(turn.reply.text or turn.reply.reasoning or turn.steps)
        thinking.show(turn, tick.done)
        tools.show(turn.steps)
        if turn.reply.text or tick.done:
            box.markdown(safe_markdown(turn.reply.text, lang) + ("" if tick.done else CURSOR))
        shown = shown or first
        if tick.done or (n > 0 and not first):
            history()  # once (`_Once`)
