"""Groq and Mistral in-process: the same `Script`s as the HTTP fake, played as Charla's own deltas and errors.

No socket, no SDK, no timing of the network: for the session, page (AppTest) and API contract tests, where the wire
is not what is tested (the HTTP fake in tests/fakes/upstream.py stays for that). Installed with
`chat.providers.substitute(fake.factory)`; the `fake` fixture in conftest does it.

    fake.script(Script(text="Hi there", usage=(3, 2)), Script(status=429, retry_after=9))
    fake.chat_requests("groq")[0].body          # model, messages (the provider's wire shape) and parameters

A script's `status` is raised as the Charla error the vendor's own translation gives for that status; the model
table (tests/fakes/models.py) answers retired ids and refused parameters as the vendors do; `reasoning` streams
before the text; `delay`, `first_delay` and `stall_*` pause, and a pause ends at once when the reply is cancelled.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from pydantic import SecretStr

from chat import errors
from chat.catalog.spec import Listed
from chat.providers.base import Provider, status_error
from chat.providers.deltas import Delta
from chat.providers.groq import GroqProvider
from chat.providers.mistral import MistralProvider
from chat.providers.stream import StreamState, Usage
from tests.fakes import wire
from tests.fakes.models import GROQ, ModelTable, reasoning_mode
from tests.fakes.upstream import Recorded, Script, echo_reply, rough_tokens

BAD_KEY = "bad-key"


class InProcess:
    """Both vendors in this process: scripted replies, recorded requests, cancelled streams."""

    def __init__(self) -> None:
        self.models = ModelTable()
        self.requests: list[Recorded] = []
        self.disconnects: list[Recorded] = []
        self.default_script = Script()
        self._scripts: deque[Script] = deque()
        self._lock = threading.Condition()

    def script(self, *steps: Script) -> None:
        """Queue replies; each chat request consumes the next one."""
        with self._lock:
            self._scripts.extend(steps)

    def chat_requests(self, vendor: str | None = None) -> list[Recorded]:
        """The chat requests made, optionally for one vendor."""
        with self._lock:
            return [r for r in self.requests if vendor is None or r.vendor == vendor]

    def wait_disconnect(self, timeout: float = 5.0, count: int = 1) -> bool:
        """Block until `count` replies were cancelled before they ended; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.disconnects) >= count, timeout)

    def factory(self, name: str, key: SecretStr, base_url: str | None, timeout: float) -> Provider:
        """What `chat.providers.get_provider` returns while this fake is installed."""
        cls = ScriptedGroq if name == GROQ else ScriptedMistral
        return cls(key, base_url=base_url, timeout=timeout, client=self)

    def _record(self, rec: Recorded) -> Script:
        with self._lock:
            self.requests.append(rec)
            if self._scripts:
                return self._scripts.popleft()
        return dataclasses.replace(self.default_script, text=echo_reply(rec))

    def _cancelled(self, rec: Recorded) -> None:
        with self._lock:
            self.disconnects.append(rec)
            self._lock.notify_all()


class _Scripted:
    """The part shared by both scripted vendors: requests, listings, errors."""

    name: Any
    _key: SecretStr
    _injected: Any

    def open(
        self, wire: list[dict[str, Any]], *, model: str, params: dict[str, Any], timeout: float | None = None
    ) -> ScriptedStream:
        fake: InProcess = self._injected
        body = {"model": model, "messages": wire, "stream": True, **params}
        headers = {"authorization": f"Bearer {self._key.get_secret_value()}"}
        rec = Recorded(self.name, "POST", "/chat/completions", headers, body, 0.0)
        if self._key.get_secret_value() in ("", BAD_KEY):
            raise errors.AuthError(self.name, status_code=401, model=model)
        refused = fake.models.refusal(self.name, body)
        if refused is not None:
            raise _refusal(self.name, model, *refused)
        script = fake._record(rec)
        if script.first_delay:  # silence before the status line: nothing to cancel yet
            time.sleep(script.first_delay)
        if script.status != 200:
            raise status_error(
                self.name,
                script.status,
                retry_after=_seconds(script.retry_after),
                model=model,
                partial="",
                model_gone=script.status == 404,  # both vendors' 404 body names a model they do not serve
            )
        mode = reasoning_mode(self.name, fake.models.get(self.name, model), body)
        return ScriptedStream(fake, rec, script, mode)

    def list_models(self) -> list[Listed]:
        if self._key.get_secret_value() in ("", BAD_KEY):
            raise errors.AuthError(self.name, status_code=401)
        listing = self._injected.models.listing(self.name)
        return [self._card(entry) for entry in listing["data"]]


def _seconds(value: int | None) -> str | None:
    return None if value is None else str(value)


def _refusal(vendor: str, model: str, status: int, body: Any) -> errors.ProviderError:
    detail = body.get("error", body) if isinstance(body, dict) else {}
    code = detail.get("code") if isinstance(detail, dict) else None
    gone = code in ("model_not_found", "model_decommissioned") or (
        isinstance(detail, dict) and detail.get("type") == "invalid_model"
    )
    return status_error(vendor, status, retry_after=None, model=model, partial="", model_gone=gone)


class ScriptedGroq(_Scripted, GroqProvider):
    """Groq, scripted."""

    @staticmethod
    def _card(entry: dict[str, Any]) -> Listed:
        from chat.providers.groq import _listed

        return _listed(entry["id"], entry)


class ScriptedMistral(_Scripted, MistralProvider):
    """Mistral, scripted."""

    @staticmethod
    def _card(entry: dict[str, Any]) -> Listed:
        from mistralai.client.models import BaseModelCard

        from chat.providers.mistral import _listed

        return _listed(BaseModelCard.model_validate(entry))


class ScriptedStream:
    """One scripted reply: its reasoning, then its text, paused as scripted; `abort()` ends it at once."""

    def __init__(self, fake: InProcess, rec: Recorded, script: Script, mode: str | None) -> None:
        self.state = StreamState()
        self._fake, self._rec, self._script, self._mode = fake, rec, script, mode
        self._aborted = threading.Event()
        self._done = False

    def __iter__(self) -> Iterator[Delta]:
        s = self._script
        thoughts = [w for w in re.split(r"(?<=\s)(?=\S)", s.reasoning or "") if w] if self._mode else []
        for word in thoughts:
            if (s.delay and self._pause(s.delay)) or self._aborted.is_set():
                return
            yield Delta(word, reasoning=True)
        yield from self._text(s)
        if not self._aborted.is_set():
            calls = s.calls_for(self._rec.body)
            if calls:
                self.state.take_calls(wire.tool_call_delta(self._rec.vendor, calls)["tool_calls"])
            prompt = sum(rough_tokens(str(m.get("content"))) + 4 for m in self._rec.messages)
            self.state.usage = Usage(*(s.usage or (prompt, rough_tokens("".join(s.deltas())))))
            self.state.finish_reason = "tool_calls" if calls else s.finish_reason
            self._done = True

    def _text(self, s: Script) -> Iterator[Delta]:
        deltas, partial = s.deltas(), ""
        for i, text in enumerate(deltas):
            if i == s.stall_after and self._pause(s.stall_seconds):
                return
            if i in (s.drop_after, s.error_after):
                raise errors.StreamInterrupted(self._rec.vendor, model=str(self._rec.model), partial=partial)
            if i and s.delay and self._pause(s.delay):
                return
            if self._aborted.is_set():
                return
            partial += text
            yield Delta(text)
        if len(deltas) in (s.drop_after, s.error_after):
            raise errors.StreamInterrupted(self._rec.vendor, model=str(self._rec.model), partial=partial)

    def _pause(self, seconds: float) -> bool:
        """Wait; True when the reply was cancelled meanwhile."""
        return self._aborted.wait(seconds)

    def abort(self) -> None:
        if not self._aborted.is_set() and not self._done:
            self._fake._cancelled(self._rec)
        self._aborted.set()

    def close(self) -> None:
        pass
