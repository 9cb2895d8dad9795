"""One turn: the queued user message sent, its reply streamed and stored as it grows, and how it ended.

Order of writes (see :mod:`chat.persist`): the user's message is in the store before the provider is called; the
reply row opens as soon as the stream does and is rewritten at most every 0.5 s; `close()` settles it.

Stop: the page ends a turn by leaving `ticks()` (Streamlit raises at its next call after a Stop click); `close()` then
runs in the page's `finally` and uses plain Python only, so it works there: it closes the upstream connection,
keeps the text that arrived, stores the reply as stopped and leaves `session.stale` set for the page to rerun.
"""

from __future__ import annotations

from collections.abc import Iterator

from chat import persist, service
from chat import settings as limits
from chat.catalog import get_model
from chat.errors import ChatError
from chat.messages import ChatMessage, ContextInfo, ErrorInfo
from chat.pacing import Tick, paced
from chat.reply import Reply
from chat.schema import ChatRequest
from chat.service import Caller
from chat.session import ChatSession, expanded
from chat.store import Store
from chat.tools.steps import ToolStep


def context_info(reply: Reply) -> ContextInfo | None:
    """The inspector's record of what a reply's request held."""
    sent = reply.context
    if sent is None:
        return None
    window = sent.window
    return ContextInfo(
        kept_ids=list(window.kept),
        tokens=window.tokens,
        budget=window.budget,
        per_message=dict(window.per_message),
        payload=sent.payload,
        key_source=sent.key_source,
    )


def merged(old: list[ToolStep], new: list[ToolStep]) -> list[ToolStep]:
    """A resumed reply's steps: those it had, then the new ones (a step run on resume is the same object)."""
    return old + [s for s in new if not any(s is o for o in old)]


def fill_reply(msg: ChatMessage, reply: Reply) -> None:
    """Copy the reply's text, reasoning, outcome, usage and timing into `msg`."""
    msg.text, msg.reasoning, msg.ttfr, msg.thought_out = reply.text, reply.reasoning, reply.ttfr, reply.thought_out
    msg.asked = reply.asked if reply.retirement is not None else None
    if reply.outcome in ("finished", "stopped", "cut", "failed"):
        msg.status = reply.outcome
    msg.ttft, msg.duration = reply.ttft, reply.duration
    usage = reply.usage
    if usage is not None:
        msg.prompt_tokens, msg.completion_tokens = usage.prompt_tokens, usage.completion_tokens
    msg.tokens_per_second = reply.tokens_per_second
    msg.steps = merged(msg.steps, reply.steps)
    msg.step_limited = msg.step_limited or reply.step_limited
    if reply.error is not None:
        msg.error = ErrorInfo.of(reply.error)


class Turn:
    """The reply to one user message, from the send to how it ended."""

    def __init__(
        self, session: ChatSession, user: ChatMessage, msg: ChatMessage, reply: Reply, store: Store, caller: Caller
    ) -> None:
        self.session, self.user, self.msg, self.reply, self.store, self.caller = (
            session,
            user,
            msg,
            reply,
            store,
            caller,
        )
        self._ticks = paced(reply)  # reading starts now, while the reply row opens and the page draws
        try:
            self.writer = persist.ReplyWriter(store, session, msg)
        except BaseException:  # the store failed: nobody will read this reply, so it must not go on upstream
            reply.cancel()
            raise
        self.failure: ChatError | None = None

    @classmethod
    def start(cls, session: ChatSession, caller: Caller, store: Store, owner: str | None) -> Turn | None:
        """Send the session's pending message (or go on with a reply that waited at a tool step); None when nothing
        is pending or it was refused (the error stays with the message, or the turn went to the other provider)."""
        user = session.find(session.pending or "")
        resumed = session.find(session.pending_resume or "")
        model_id, via = session.pending_model or session.model, session.pending_via
        session.pending = session.pending_model = session.pending_via = session.pending_resume = None
        if user is None:
            return None
        if user.unheard and not session.listen(user, caller):  # spoken, and the transcription failed
            persist.sync(store, session, force_from=user.id)
            return None
        spec = get_model(model_id)
        history = session.context_for(user.id) + ([resumed] if resumed is not None else [])
        messages, ids = expanded(history)
        request = ChatRequest(
            messages=messages, ids=tuple(ids), model=model_id, settings=limits.fit(spec, session.settings()).settings
        )
        if resumed is not None:
            resumed.status = "streaming"  # written again from here on, as a reply that streams
        persist.before_send(store, session, user, owner)
        waiting = [s for s in resumed.steps if s.state == "approved"] if resumed is not None else None
        try:
            reply = service.send(request, caller=caller, tools="ui", resume=waiting, counts=session.token_counts)
        except ChatError as e:
            if resumed is not None:
                session.messages.remove(resumed)
            session.failed(user, ErrorInfo.of(e), spec.id, caller.keys)
            persist.sync(store, session, force_from=user.id)
            return None
        msg = resumed or ChatMessage("assistant", reply_to=user.id, via=via)
        msg.status, msg.model, msg.provider, msg.context = "streaming", reply.model, reply.provider, context_info(reply)
        if resumed is None:
            session.messages.append(msg)
        return cls(session, user, msg, reply, store, caller)

    def ticks(self) -> Iterator[Tick]:
        """The reply at the page's pace (a tick at least every 0.25 s, so a Stop is noticed); written as it grows."""
        try:
            for tick in self._ticks:
                self.writer.update(self.reply.text)
                yield tick
        except ChatError as e:
            self.failure = e

    @property
    def steps(self) -> list[ToolStep]:
        """The reply's tool steps so far (those it had before a resume first)."""
        return merged(self.msg.steps, self.reply.steps)

    def stop(self) -> None:
        """End the reply now; what arrived is kept (safe from any thread)."""
        self.reply.cancel()

    def close(self) -> None:
        """Settle the turn: plain Python only (this runs in the page's `finally`, also after a Stop)."""
        reply, msg, session = self.reply, self.msg, self.session
        if not reply.done:
            reply.cancel()
        fill_reply(msg, reply)
        if msg.status == "streaming":  # the reader thread has not noticed the cancel yet
            msg.status = "stopped"
        session.stale = msg.status == "stopped"
        failure = self.failure
        if failure is not None and not msg.text and not msg.reasoning:  # nothing arrived: the error is the user's
            session.messages.remove(msg)
            session.failed(self.user, ErrorInfo.of(failure), msg.model or session.model, self.caller.keys)
        elif failure is not None:
            msg.status, msg.error = "failed", ErrorInfo.of(failure)
        self.writer.finish()
        persist.sync(self.store, session, force_from=self.user.id if self.user.status == "failed" else None)
