"""A reply's tool steps: per call a status box (tool, server, arguments, result, time), and the approval card."""

from __future__ import annotations

from typing import Any

import streamlit as st

from chat import (
    ChatMessage,
    Lang,
    ToolStep,
    arguments_text,
    result_view,
    safe_markdown,
    step_label,
    step_look,
    t,
)
from pages._ui.session import state


def _decide(reply_id: str, call_id: str, run: bool) -> None:
    state().decide(reply_id, call_id, run=run)


def _body(step: ToolStep, lang: Lang, key: str | None) -> None:
    """Inside a step's box: the arguments, then the result as plain text (never Markdown or HTML)."""
    st.caption(t("tools.ui.arguments", lang))
    st.code(arguments_text(step), language="json", wrap_lines=True)
    view = result_view(step, lang)
    if view is None:
        return
    st.caption(t("tools.ui.result", lang))
    if view.cut and key is not None and st.toggle(t("tools.ui.show_all", lang, count=len(view.full)), key=key):
        st.code(view.full, language=None, wrap_lines=True, height=400)
    else:
        st.code(view.preview, language=None, wrap_lines=True)


def _ask(msg: ChatMessage, step: ToolStep, lang: Lang) -> None:
    """The approval card: what would run, and Run / Deny."""
    with st.container(border=True):
        ask = t("tools.ui.ask", lang, tool=step.tool or step.function, server=step.server or "?")
        st.markdown(safe_markdown(ask, lang))
        with st.container(horizontal=True):
            args = (msg.id, step.id)
            icon = ":material/play_arrow:"
            st.button(
                t("tools.ui.run", lang),
                key=f"run_{step.id}",
                icon=icon,
                type="primary",
                on_click=_decide,
                args=(*args, True),
            )
            st.button(
                t("tools.ui.deny", lang),
                key=f"deny_{step.id}",
                icon=":material/block:",
                on_click=_decide,
                args=(*args, False),
            )


def stored(msg: ChatMessage, lang: Lang, *, can_decide: bool) -> None:
    """A reply's steps in the transcript; the approval card under a call that waits (on the newest reply)."""
    for step in msg.steps:
        if step.said:
            st.markdown(safe_markdown(step.said, lang))
        with st.status(step_label(step, lang), state=step_look(step), expanded=step.state == "pending"):
            _body(step, lang, key=f"all_{msg.id}_{step.id}")
        if step.state == "pending" and can_decide:
            _ask(msg, step, lang)


class Live:
    """The steps of a streaming reply, drawn as they start and redrawn when they end."""

    def __init__(self, slot: Any, lang: Lang) -> None:
        self.slot, self.lang = slot, lang
        self.boxes: dict[str, tuple[Any, Any, str]] = {}
        """Per call id: its status box, the box's body, and the label drawn."""

    def show(self, steps: list[ToolStep]) -> None:
        for step in steps:
            label = step_label(step, self.lang)
            if step.id not in self.boxes:
                with self.slot:
                    if step.said:
                        st.markdown(safe_markdown(step.said, self.lang))
                    status = st.status(label, state=step_look(step), expanded=True)
                self.boxes[step.id] = (status, status.empty(), "")
            status, body, drawn = self.boxes[step.id]
            if label == drawn:
                continue
            with body.container():
                _body(step, self.lang, key=None)
            status.update(label=label, state=step_look(step), expanded=step.result is None)
            self.boxes[step.id] = (status, body, label)
