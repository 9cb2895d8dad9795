"""A chat session without Streamlit: the conversation on screen, its settings, and everything a person does to it.

`ChatSession` owns one browser tab's conversation: what was typed and attached (`submit`: converted and checked
before anything is sent), which message goes next (`retry`, `edit`, `send_with` another provider, `switch_and_send`,
`without` an attachment, `remove`), the model and its settings (`switch_model`, with a note for each setting it had
to change), and the conversation as the next request would see it (`window`). `chat.turn.Turn` runs the queued
message; `chat.persist` keeps the store in step. The pages only render what it holds and call its methods.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from chat import config
from chat import settings as limits
from chat.catalog import ModelSpec, default_model, get_model, known
from chat.errors import ChatError, ContextTooLarge
from chat.hearing import Spoken, is_audio, listen
from chat.intake import Upload, recheck, take
from chat.messages import ChatMessage, ErrorInfo, VoiceNote
from chat.present import via
from chat.schema import GenerationSettings, Message
from chat.service import Caller, Keys, fallback_model
from chat.text import Sentence
from chat.tokens import count_message
from chat.window import Window, build

RENDER_PAGE = 50
"""Messages rendered at first; "Show older" adds this many."""
Progress = Callable[[str], Any]
"""`progress(name)` -> a `progress(done, total)` callback for a long conversion (may have `.done()`)."""


@dataclass(frozen=True)
class WindowView:
    """The conversation as the next request would see it: the turns it keeps, their tokens, the budget."""

    inside: set[str]
    tokens: dict[str, int]
    total: int
    budget: int
    outside: int = 0
    """Turns in the conversation the model would not see."""
    too_large: bool = False


@dataclass
class ChatSession:
    """Everything the chat page keeps for one browser session (API keys are kept apart, never here)."""

    messages: list[ChatMessage] = field(default_factory=list)
    model: str = field(default_factory=lambda: default_model(config.keys_in_use()))
    temperature: float | None = None
    max_tokens: int | None = None
    system_prompt: str = ""
    reasoning_effort: str | None = None
    """The effort a reasoning model is asked for (None: the model's default in the catalog)."""
    auto_fallback: bool = False
    pending: str | None = None
    """Id of the user message to send in this run."""
    pending_model: str | None = None
    pending_via: Sentence | None = None
    pending_resume: str | None = None
    """Id of a reply that waited at a tool step and goes on in this run (the person said Run or Deny)."""
    editing: str | None = None
    shown: int = RENDER_PAGE
    notes: list[Sentence] = field(default_factory=list)
    """Notes to show once (settings changed for a new model's limits)."""
    session: str = field(default_factory=lambda: uuid.uuid4().hex)
    stale: bool = False
    """Set when a Stop ended the script mid-stream: the page must rerun to show the stopped reply."""
    conversation_id: str | None = None
    """The stored conversation on screen (also `?c=` in the URL); None until the first send."""
    saved: list[tuple[str, int]] = field(default_factory=list)
    """(message id, store seq) of what the store holds, in order: the write-through cache of chat.persist."""
    saved_settings: tuple[Any, ...] | None = None
    """The model and settings last written to the store."""
    missing: bool = False
    """The `?c=` asked for could not be opened (unknown, deleted or another browser's): say so once."""
    moved_from: str | None = None
    """The retired model this stored conversation was on (it continues on the successor): say so once."""
    token_counts: dict[str, int] = field(default_factory=dict, repr=False)
    """Token estimates by message id (the window counts each message once)."""
    rewrite_from: str | None = None
    """A stored message changed in place (a waiting tool call denied by a new message): the store is rewritten
    from it at the next send."""
    spoken: dict[str, Spoken] = field(default_factory=dict, repr=False)
    """Replies read aloud in this session, by message id (made only when the person asks)."""

    # --- the model and its settings ----------------------------------------------------------------------------

    @property
    def spec(self) -> ModelSpec:
        """The chosen model's limits."""
        return known(self.model) or get_model(default_model(config.keys_in_use()))

    def settings(self) -> GenerationSettings:
        """The generation settings as the pipeline takes them."""
        return GenerationSettings(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            system_prompt=self.system_prompt or None,
            reasoning_effort=self.reasoning_effort,
        )

    def switch_model(self, model_id: str) -> None:
        """Use `model_id`, bringing the settings within its limits (a note for each change) and re-checking drafts."""
        spec = get_model(model_id)
        fitted = limits.fit(spec, self.settings())
        self.model, self.notes = model_id, list(fitted.notes)
        self.temperature, self.max_tokens = fitted.settings.temperature, fitted.settings.max_tokens
        self.reasoning_effort = fitted.settings.reasoning_effort
        self.token_counts.clear()  # estimates depend on the model (images)
        for msg in self.messages:
            if msg.status == "blocked":
                recheck(msg, spec, self.max_tokens)

    def fresh(self) -> ChatSession:
        """A new, empty conversation with the same model, settings and browser session."""
        return ChatSession(
            model=self.model,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            system_prompt=self.system_prompt,
            reasoning_effort=self.reasoning_effort,
            auto_fallback=self.auto_fallback,
            session=self.session,
        )

    # --- composing ----------------------------------------------------------------------------------------------

    def submit(self, text: str, uploads: Sequence[Upload] = (), *, progress: Progress | None = None) -> ChatMessage:
        """A new user message from what was typed and attached, converted and checked against the model.

        It is queued to send unless an attachment does not fit (then it is `blocked`: nothing is sent, the page
        shows why and the way out) or there is nothing to send at all.
        """
        msg = ChatMessage("user", text.strip())
        self.moved_from = None
        spec, budget = self.spec, self.spec.input_budget(self.max_tokens)
        for upload in uploads:
            if is_audio(upload.data):  # spoken: transcribed before it is sent (see `listen`)
                msg.voice.append(VoiceNote(upload.data, upload.mime_type or "audio/wav", upload.name))
                continue
            bar = progress(upload.name) if progress is not None else None
            try:
                msg.attachments.append(take(upload, spec, budget, progress=bar))
            finally:
                getattr(bar, "done", lambda: None)()
        recheck(msg, spec, self.max_tokens)
        for reply in (m for m in self.messages if m.waiting):  # the person moved on without an answer
            for step in reply.waiting:
                step.deny()
            self.rewrite_from = self.rewrite_from or reply.id
        self.messages.append(msg)
        if msg.blocked or (not msg.text and not msg.attachments and not msg.voice):
            msg.status = "blocked"
        else:
            self.pending, self.pending_model, self.pending_via = msg.id, None, None
        return msg

    def listen(self, msg: ChatMessage, caller: Caller) -> bool:
        """Transcribe the message's audio (now, or again after a failure); False when it failed, and then the
        message holds the error (and its audio), and nothing is sent until Retry."""
        try:
            listen(msg, caller)
        except ChatError as e:
            msg.status, msg.error = "failed", ErrorInfo.of(e)
            if self.pending == msg.id:
                self.pending = None
            return False
        return True

    def recheck(self, msg: ChatMessage) -> None:
        """Check a draft's attachments against the model and max output chosen now."""
        recheck(msg, self.spec, self.max_tokens)

    # --- what goes next -------------------------------------------------------------------------------------------

    def find(self, message_id: str) -> ChatMessage | None:
        """The message with `message_id`."""
        return next((m for m in self.messages if m.id == message_id), None)

    def queue(self, user_id: str, *, model: str | None = None, via: Sentence | None = None) -> None:
        """Send (again) the user message `user_id` in this run: it moves to the end, its old reply goes."""
        msg = self.find(user_id)
        if msg is None:
            return
        self.messages = [m for m in self.messages if m.id != user_id and m.reply_to != user_id]
        msg.status, msg.error = "sent", None
        self.messages.append(msg)
        self.pending, self.pending_model, self.pending_via = user_id, model, via

    def retry(self, user_id: str) -> None:
        """Send the user message again (after an error), or regenerate its reply."""
        self.queue(user_id)

    def send_with(self, user_id: str, model_id: str) -> None:
        """Send the user message to `model_id` on the other provider, labelling the reply with why."""
        msg = self.find(user_id)
        failed = known(msg.model or "") if msg is not None else None
        reason = via(failed.provider, get_model(model_id), msg.error) if msg and msg.error and failed else None
        self.queue(user_id, model=model_id, via=reason)

    def switch_and_send(self, user_id: str, model_id: str) -> None:
        """Switch the conversation to `model_id` and send the user message, if it fits there."""
        self.switch_model(model_id)
        msg = self.find(user_id)
        if msg is not None:
            recheck(msg, self.spec, self.max_tokens)
            if not msg.blocked:
                self.queue(user_id)

    def without(self, user_id: str, name: str) -> bool:
        """Drop the attachment `name` from a blocked message and send it if it now fits; True if it was queued."""
        msg = self.find(user_id)
        if msg is None:
            return False
        msg.attachments = [a for a in msg.attachments if a.name != name]
        recheck(msg, self.spec, self.max_tokens)
        if msg.blocked:
            return False
        self.queue(user_id)
        return True

    def remove(self, user_id: str) -> str:
        """Drop a message and its reply; the typed text, to put back in the composer (nothing is lost)."""
        msg = self.find(user_id)
        self.messages = [m for m in self.messages if m.id != user_id and m.reply_to != user_id]
        return msg.text if msg is not None else ""

    def edit(self, user_id: str, text: str) -> None:
        """Replace the text of the last user message and send it again."""
        self.editing = None
        msg = self.find(user_id)
        if msg is not None:
            msg.text = text
            self.token_counts.pop(user_id, None)
            self.queue(user_id)

    def decide(self, reply_id: str, call_id: str, *, run: bool) -> None:
        """The person's answer to a tool that asked first; once every waiting call has one, the turn goes on."""
        reply = self.find(reply_id)
        if reply is None:
            return
        for step in reply.waiting:
            if step.id == call_id and run:
                step.state = "approved"
            elif step.id == call_id:
                step.deny()
        if not reply.waiting and reply.reply_to is not None:
            self.pending, self.pending_model, self.pending_via = reply.reply_to, reply.model, None
            self.pending_resume = reply.id

    def failed(self, user: ChatMessage, error: ErrorInfo, model_id: str, keys: Keys) -> None:
        """Keep the user's message with the error; on a 429/5xx, go to the other provider if the person asked to."""
        user.status, user.error, user.model = "failed", error, model_id
        if not (error.fallback_ok and self.auto_fallback):
            return
        spec = get_model(model_id)
        other = fallback_model(spec, keys, needs_vision=any(a.kind == "image" for a in user.attachments))
        if other is not None:
            self.queue(user.id, model=other.id, via=via(spec.provider, other, error))

    # --- views --------------------------------------------------------------------------------------------------

    def last_user(self) -> ChatMessage | None:
        """The newest user message."""
        return next((m for m in reversed(self.messages) if m.role == "user"), None)

    def last_reply(self) -> ChatMessage | None:
        """The newest reply."""
        return next((m for m in reversed(self.messages) if m.role == "assistant"), None)

    def visible(self) -> tuple[list[ChatMessage], int]:
        """The messages to render (the newest `shown`) and how many older ones are hidden."""
        hidden = max(0, len(self.messages) - self.shown)
        return self.messages[hidden:], hidden

    def context_for(self, user_id: str) -> list[ChatMessage]:
        """The conversation up to and including the user message `user_id`, as it is sent."""
        out: list[ChatMessage] = []
        for msg in self.messages:
            if msg.id == user_id:
                out.append(msg)
                break
            if msg.in_context:
                out.append(msg)
        return out

    def window(self, msgs: Sequence[ChatMessage] | None = None) -> Window:
        """The window the next request would send (ContextTooLarge when the newest message cannot fit)."""
        msgs = [m for m in self.messages if m.in_context] if msgs is None else msgs
        messages, ids = expanded(msgs)
        return build(
            messages,
            self.spec,
            ids=ids,
            counts=self.token_counts,
            system_prompt=self.system_prompt or None,
            max_output=self.max_tokens,
        )

    def window_view(self, *, before: int = 2) -> WindowView:
        """What the context inspector shows: the turns the next request keeps and the `before` just outside them,
        with their tokens, and the budget."""
        msgs = [m for m in self.messages if m.in_context]
        budget = self.spec.input_budget(self.max_tokens)
        if not msgs:
            return WindowView(set(), {}, 0, budget)
        try:
            window = self.window(msgs)
        except ContextTooLarge:
            return WindowView(set(), {}, 0, budget, outside=len(msgs), too_large=True)
        shown = window.dropped[-before:] if before else []
        by_id = {m.id: m for m in msgs}
        shown = [i for i in shown if i.partition("#")[0] in by_id]
        for i in shown:
            if i not in self.token_counts:
                self.token_counts[i] = count_message(by_id[i.partition("#")[0]].to_message(), self.spec)
        tokens = {i: self.token_counts[i] for i in shown} | window.per_message
        return WindowView(set(window.kept), tokens, window.tokens, window.budget, len(window.dropped) - len(shown))


def seed_messages(count: int) -> list[ChatMessage]:
    """A long synthetic conversation (benchmarks and tests only)."""
    body = (
        "Here is a paragraph of **markdown** with a [link](https://example.com) and `code`, long enough "
        "to look like a real message in a real conversation about nothing in particular. "
    )
    out: list[ChatMessage] = []
    for i in range(count):
        if i % 2 == 0:
            out.append(ChatMessage("user", f"Question {i // 2}: {body[:120]}"))
            continue
        reply = ChatMessage("assistant", f"Answer {i // 2}. {body}{body}", status="finished", provider="groq")
        reply.model, reply.reply_to, reply.prompt_tokens, reply.completion_tokens = (
            "openai/gpt-oss-20b",
            out[-1].id,
            120,
            80,
        )
        reply.ttft, reply.duration, reply.tokens_per_second = 0.2, 0.4, 400.0
        out.append(reply)
    return out


def expanded(msgs: Sequence[ChatMessage]) -> tuple[list[Message], list[str]]:
    """The messages as the pipeline takes them (a reply's tool steps become several), and their ids (a reply's
    steps get `id#n`, its answer keeps the reply's id)."""
    out: list[Message] = []
    ids: list[str] = []
    for msg in msgs:
        parts = msg.to_messages()
        out += parts
        ids += [msg.id if n == len(parts) - 1 else f"{msg.id}#{n}" for n in range(len(parts))]
    return out, ids
