"""The models each fake vendor serves, as the real ones did on 2026-12-02 (docs/providers.md), and what each refuses.

- Listings: Groq's `GET /openai/v1/models` entries (`id`, `owned_by`, `active`, `context_window`,
  `max_completion_tokens`, non-chat models included); Mistral's `GET /v1/models` cards (`capabilities`,
  `max_context_length`, `aliases`, `deprecation`, `deprecation_replacement_model`).
- A retired id: Groq answers 404 `model_not_found` for the 2026 retirements and 400 `model_decommissioned` for the
  older ones; Mistral answers 400 `invalid_model`. An id that never existed: Groq 404, Mistral 400.
- Parameters a model does not take: Groq 400 (`reasoning_format` on gpt-oss, an effort outside the model's enum,
  `reasoning_format` with `include_reasoning`); Mistral 422 `extra_forbidden` for fields it does not know and 400 for
  `reasoning_effort` on a model that does not reason or a value it does not take.

`ModelTable` is per fake server and mutable, so a test can retire a model while the app runs.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

GROQ = "groq"
MISTRAL = "mistral"


@dataclass
class FakeModel:
    """One model a fake vendor serves."""

    id: str
    chat: bool = True
    reasoning: str | None = None
    """`gpt-oss`, `qwen` or `mistral`: how it streams its thinking and which parameters it takes."""
    efforts: tuple[str, ...] = ()
    context: int = 131_072
    max_output: int = 32_768
    vision: bool = False
    tools: bool = True
    owner: str = "OpenAI"
    aliases: tuple[str, ...] = ()
    capabilities: dict[str, bool] = field(default_factory=dict)
    deprecation: str | None = None
    replacement: str | None = None


def _groq_models() -> list[FakeModel]:
    oss = ("low", "medium", "high")
    return [
        FakeModel("openai/gpt-oss-20b", reasoning="gpt-oss", efforts=oss, max_output=65_536),
        FakeModel("openai/gpt-oss-120b", reasoning="gpt-oss", efforts=oss, max_output=65_536),
        FakeModel(
            "qwen/qwen3.8-27b",
            reasoning="qwen",
            efforts=("none", "default", "low", "medium", "high"),
            context=131_042,
            max_output=16_384,
            vision=True,
            owner="Alibaba Cloud",
        ),
        FakeModel("whisper-large-v3", chat=False, context=448, max_output=448),
        FakeModel("whisper-large-v3-turbo", chat=False, context=448, max_output=448),
        FakeModel("canopylabs/orpheus-v1-english", chat=False, context=4_000, max_output=50_000, owner="Canopy Labs"),
        FakeModel("meta-llama/llama-prompt-guard-2-86m", chat=False, context=512, max_output=512, owner="Meta"),
        FakeModel("openai/gpt-oss-safeguard-20b", chat=False, max_output=65_536),
    ]


def _card(model_id: str, *aliases: str, vision: bool = True, reasoning: bool = False) -> FakeModel:
    caps = {"completion_chat": True, "function_calling": True, "vision": vision, "reasoning": reasoning}
    return FakeModel(
        model_id,
        reasoning="mistral" if reasoning else None,
        efforts=("none", "high") if reasoning else (),
        context=262_144,
        vision=vision,
        owner="mistralai",
        aliases=aliases,
        capabilities=caps,
    )


def _mistral_models() -> list[FakeModel]:
    retiring = _card("mistral-small-2506", "mistral-small-3-2")
    retiring.deprecation, retiring.replacement = "2026-09-30T12:00:00Z", "mistral-small-latest"
    return [
        _card("mistral-small-latest", "mistral-small-2603", reasoning=True),
        _card("mistral-small-2603", "mistral-small-latest", reasoning=True),
        _card("mistral-medium-latest", "mistral-medium-2604", "mistral-medium-3-5", reasoning=True),
        _card("mistral-medium-2604", "mistral-medium-latest", "mistral-medium-3-5", reasoning=True),
        _card("mistral-large-latest", "mistral-large-2512"),
        _card("ministral-14b-latest", "ministral-14b-2512"),
        _card("codestral-latest", "codestral-2508", vision=False),
        retiring,
        FakeModel("mistral-embed", chat=False, owner="mistralai", capabilities={"completion_chat": False}),
        FakeModel(
            "mistral-ocr-latest", chat=False, owner="mistralai", capabilities={"completion_chat": True, "ocr": True}
        ),
        FakeModel(
            "voxtral-mini-transcribe-latest",
            chat=False,
            owner="mistralai",
            capabilities={"audio_transcription": True},
        ),
    ]


GROQ_GONE_404 = {
    "llama-3.1-8b-instant",
    "llama-3.3-70b-versatile",
    "meta-llama/llama-4-scout-17b-16e-instruct",
    "meta-llama/llama-4-maverick-17b-128e-instruct",
    "qwen/qwen3.6-27b",
    "qwen/qwen3-32b",
    "groq/compound",
    "groq/compound-mini",
    "moonshotai/kimi-k2-instruct-0905",
}
GROQ_GONE_400 = {"gemma2-9b-it", "mixtral-8x7b-32768", "llama3-8b-8192", "llama3-70b-8192", "mistral-saba-24b"}
MISTRAL_KNOWN_FIELDS = {
    "model",
    "messages",
    "temperature",
    "top_p",
    "max_tokens",
    "stream",
    "stop",
    "random_seed",
    "response_format",
    "tools",
    "tool_choice",
    "presence_penalty",
    "frequency_penalty",
    "n",
    "prediction",
    "parallel_tool_calls",
    "reasoning_effort",
    "prompt_mode",
    "safe_prompt",
    "metadata",
    "guardrails",
}


class ModelTable:
    """The models of both fake vendors; tests may retire one (`retire`) or change a listing (`listing`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.models: dict[str, dict[str, FakeModel]] = {
                GROQ: {m.id: m for m in _groq_models()},
                MISTRAL: {m.id: m for m in _mistral_models()},
            }
            self.retired: dict[str, set[str]] = {GROQ: set(GROQ_GONE_404 | GROQ_GONE_400), MISTRAL: set()}
            self.listing_override: dict[str, Any] = {}

    def add(self, vendor: str, model: FakeModel) -> None:
        """From now on the vendor lists and serves `model`."""
        with self._lock:
            self.models[vendor][model.id] = model

    def retire(self, vendor: str, model_id: str) -> None:
        """From now on the vendor refuses `model_id` and no longer lists it."""
        with self._lock:
            self.models[vendor].pop(model_id, None)
            self.retired[vendor].add(model_id)

    def get(self, vendor: str, model_id: str) -> FakeModel | None:
        with self._lock:
            found = self.models[vendor].get(model_id)
        return copy.copy(found) if found is not None else None

    def listing(self, vendor: str) -> dict[str, Any]:
        """The vendor's `GET /models` body."""
        with self._lock:
            if vendor in self.listing_override:
                return copy.deepcopy(self.listing_override[vendor])
            models = list(self.models[vendor].values())
        data = [_groq_entry(m) if vendor == GROQ else _mistral_card(m) for m in models]
        return {"object": "list", "data": data}

    def refusal(self, vendor: str, body: Any) -> tuple[int, Any] | None:
        """(status, body) of the vendor's refusal of this chat request, or None when it would serve it."""
        if not isinstance(body, dict):
            return None
        if vendor == MISTRAL:
            extra = sorted(set(body) - MISTRAL_KNOWN_FIELDS)
            if extra:
                return 422, _extra_forbidden(extra[0], body[extra[0]])
            bad_id = _foreign_call_id(body.get("messages"))
            if bad_id is not None:
                message = f"Tool call id was {bad_id} but must be a-z, A-Z, 0-9, with a length of 9."
                return 400, _mistral_error(message, "invalid_function_call", "3280")
        model_id = str(body.get("model") or "")
        model = self.get(vendor, model_id)
        if model is None or not model.chat:
            return _model_gone(vendor, model_id, model_id in self.retired[vendor])
        return _groq_params(model, body) if vendor == GROQ else _mistral_params(model, body)


def _groq_entry(m: FakeModel) -> dict[str, Any]:
    return {
        "id": m.id,
        "object": "model",
        "created": 1754408224,
        "owned_by": m.owner,
        "active": True,
        "context_window": m.context,
        "public_apps": None,
        "max_completion_tokens": m.max_output,
    }


def _mistral_card(m: FakeModel) -> dict[str, Any]:
    caps = {
        "completion_chat": False,
        "function_calling": False,
        "completion_fim": False,
        "fine_tuning": False,
        "vision": False,
        "ocr": False,
        "classification": False,
        "moderation": False,
        "audio": False,
        "reasoning": False,
        **m.capabilities,
    }
    return {
        "id": m.id,
        "object": "model",
        "created": 1775001600,
        "owned_by": "mistralai",
        "capabilities": caps,
        "name": m.aliases[0] if m.aliases else m.id,
        "description": f"Fake card for {m.id}",
        "max_context_length": m.context,
        "aliases": list(m.aliases),
        "deprecation": m.deprecation,
        "deprecation_replacement_model": m.replacement,
        "default_model_temperature": 0.3,
        "type": "base",
    }


def _groq_error(message: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"message": message, "type": "invalid_request_error"}
    if code is not None:
        err["code"] = code
    if param is not None:
        err["param"] = param
    return {"error": err}


def _mistral_error(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"object": "error", "message": message, "type": type_, "param": None, "code": code, "raw_status_code": 400}


def _model_gone(vendor: str, model_id: str, retired: bool) -> tuple[int, Any]:
    if vendor == MISTRAL:
        return 400, _mistral_error(f"Invalid model: {model_id}", "invalid_model", "1500")
    if retired and model_id in GROQ_GONE_400:
        message = (
            f"The model `{model_id}` has been decommissioned and is no longer supported. Please refer to "
            "https://console.groq.com/docs/deprecations for a recommendation on which model to use instead."
        )
        return 400, _groq_error(message, "model_decommissioned")
    return 404, _groq_error(
        f"The model `{model_id}` does not exist or you do not have access to it.", "model_not_found"
    )


def _groq_params(model: FakeModel, body: dict[str, Any]) -> tuple[int, Any] | None:
    effort, fmt = body.get("reasoning_effort"), body.get("reasoning_format")
    if fmt is not None and model.reasoning != "qwen":
        return 400, _groq_error("`reasoning_format` is not supported with this model", param="reasoning_format")
    if fmt is not None and body.get("include_reasoning") is not None:
        return 400, _groq_error("`reasoning_format` and `include_reasoning` cannot be used together")
    if effort is not None and effort not in model.efforts:
        allowed = " or ".join(f"`{e}`" for e in model.efforts) or "nothing"
        return 400, _groq_error(f"`reasoning_effort` must be one of {allowed}", param="reasoning_effort")
    return None


def _mistral_params(model: FakeModel, body: dict[str, Any]) -> tuple[int, Any] | None:
    effort = body.get("reasoning_effort")
    if effort is not None and model.reasoning is None:
        return 400, _mistral_error("reasoning_effort is not enabled for this model", "invalid_request_error", None)
    if effort is not None and effort not in model.efforts:
        return 400, _mistral_error(f"Invalid reasoning_effort: {effort}", "invalid_request_error", None)
    return None


def _extra_forbidden(name: str, value: Any) -> dict[str, Any]:
    detail = [
        {"type": "extra_forbidden", "loc": ["body", name], "msg": "Extra inputs are not permitted", "input": value}
    ]
    return {
        "object": "error",
        "message": {"detail": detail},
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def reasoning_mode(vendor: str, model: FakeModel | None, body: dict[str, Any]) -> str | None:
    """How this request's reasoning streams: `field` (delta.reasoning), `tags` (<think> in the content),
    `chunks` (Mistral's thinking chunks) or None (not shown)."""
    if model is None or model.reasoning is None:
        return None
    if vendor == MISTRAL:
        return "chunks" if body.get("reasoning_effort") == "high" else None
    if model.reasoning == "gpt-oss":
        return None if body.get("include_reasoning") is False else "field"
    fmt = body.get("reasoning_format")
    if body.get("reasoning_effort") == "none" or fmt == "hidden":
        return None
    return "field" if fmt == "parsed" else "tags"


def _foreign_call_id(messages: Any) -> str | None:
    """A tool call id in the history that Mistral refuses (anything but 9 letters and digits)."""
    ids: list[str] = []
    for m in messages if isinstance(messages, list) else ():
        if isinstance(m, dict):
            ids += [str(c.get("id")) for c in m.get("tool_calls") or [] if isinstance(c, dict)]
            if m.get("role") == "tool":
                ids.append(str(m.get("tool_call_id")))
    return next((i for i in ids if not (len(i) == 9 and i.isalnum() and i.isascii())), None)
