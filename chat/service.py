"""The one pipeline the UI and the API both call: validate -> limit -> window -> provider stream.

`send()` checks the model, the settings and the key, takes one request from the session's and the client IP's
quotas, turns attached files into parts, chooses the window (last 8 + token budget), refuses images for a model
without vision, fits images to the provider's limits, opens the upstream stream and returns a `Reply`. Everything
that can be refused is refused before a byte goes upstream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from chat import config, ratelimit
from chat import settings as limits
from chat.catalog import CACHE, ModelSpec, overlay_of, resolve, vision_model_for
from chat.config import Provider as ProviderName
from chat.errors import InvalidRequest, ModelUnavailable, TooSlow, UpstreamTimeout, VisionRequired
from chat.providers import Provider, get_provider
from chat.ratelimit import Quota
from chat.reply import Reply, Sent
from chat.schema import ChatRequest, FilePart, ImagePart, Message, Part, TextPart
from chat.text import t
from chat.tools.loop import ToolLoop
from chat.tools.steps import ToolStep
from chat.window import Window, build, last_n

Progress = Callable[[int, int], None]


Keys = Mapping[ProviderName, SecretStr | str | None]
"""A session's own keys per provider (None: use the server's)."""


@dataclass(frozen=True)
class Caller:
    """Who is asking: the session and client IP the limits are keyed by, and the session's own keys."""

    session: str | None = None
    ip: str | None = None
    keys: Keys = field(default_factory=dict)


def _convert_files(message: Message, progress: Progress | None) -> Message:
    if not message.files:
        return message
    from chat.attachments import convert

    parts: list[Part] = []
    for part in message.parts:
        if isinstance(part, FilePart):
            parts.extend(convert(part.name or "attachment", part.data, part.media_type, progress=progress).parts)
        else:
            parts.append(part)
    return message.model_copy(update={"parts": parts})


def _without_images(message: Message, spec: ModelSpec) -> Message:
    note = f"[image omitted: {spec.label} cannot see images]"
    parts = [TextPart(text=note, source=p.name or "image") if isinstance(p, ImagePart) else p for p in message.parts]
    return message.model_copy(update={"parts": parts})


def _check_newest_images(message: Message, spec: ModelSpec) -> None:
    """Refuse the newest message's images before anything else is counted: a model that cannot see them, or more
    than it takes (the sentence names the limit, more useful than a token count)."""
    images = message.images
    if images and not spec.vision:
        raise VisionRequired(model=spec.label, suggestion=vision_model_for(spec.provider).label)
    if len(images) > spec.max_images:
        from chat.attachments.model import refuse_all

        names = [p.name or "image" for p in images]
        raise refuse_all(names, "att.too_many_images", count=len(images), model=spec.label, maximum=spec.max_images)


def _fit_images(messages: list[Message], spec: ModelSpec) -> list[Message]:
    images = [p for m in messages for p in m.images if p.data is not None]
    if not spec.vision:
        return [_without_images(m, spec) if m.images else m for m in messages]
    if not images:
        return messages
    from chat.attachments import fit_images

    fitted = iter(fit_images(images, spec))
    swapped = {id(old): new for old, new in zip(images, fitted, strict=True)}
    return [
        m.model_copy(update={"parts": [swapped.get(id(p), p) for p in m.parts]}) if m.images else m for m in messages
    ]


def elide(payload: Any) -> Any:
    """A copy of `payload` with base64 data URLs shortened to their type and size."""
    if isinstance(payload, dict):
        return {k: elide(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [elide(v) for v in payload]
    if isinstance(payload, str) and payload.startswith("data:") and ";base64," in payload[:80]:
        head, _, data = payload.partition(",")
        return f"{head},… ({len(data) * 3 // 4:,} bytes elided)"
    return payload


def _prepare(
    request: ChatRequest, spec: ModelSpec, progress: Progress | None, counts: MutableMapping[str, int] | None = None
) -> tuple[Window, list[Message]]:
    """Convert files, choose the window and fit images: what goes upstream."""
    messages = [m for m in request.messages[:-1] if m.parts] + list(request.messages[-1:])  # empty turns say nothing
    if not any(m.role != "system" for m in messages):
        raise InvalidRequest([{"code": "custom", "path": ["messages"], "message": t("val.messages_min")}])
    for i in last_n(messages):
        messages[i] = _convert_files(messages[i], progress)
    _check_newest_images(messages[-1], spec)
    settings = request.settings
    kept = [i for i, m in zip(request.ids, request.messages, strict=False) if m.parts or m is request.messages[-1]]
    ids = kept if len(kept) == len(messages) else None
    window = build(
        messages,
        spec,
        ids=ids,
        counts=counts if ids is not None else None,
        system_prompt=settings.system_prompt,
        max_output=settings.max_tokens,
    )
    turns = [m for m in window.messages if m.role != "system"]
    fitted = _fit_images(turns, spec)
    sent = [m for m in window.messages if m.role == "system"] + fitted
    return window, sent


ToolMode = Literal["off", "ui", "api"]


def send(
    request: ChatRequest,
    *,
    caller: Caller,
    progress: Progress | None = None,
    tools: ToolMode = "off",
    resume: list[ToolStep] | None = None,
    counts: MutableMapping[str, int] | None = None,
) -> Reply:
    """Run the pipeline and open the upstream stream. Raises ChatError subclasses before anything is sent.

    `tools`: offer the MCP servers' tools to a model that takes them (`ui`: tools that may change something ask the
    person first; `api`: those are denied). `resume`: go on with a turn that waited for the person at a tool step
    (the steps carry their decisions; `request` ends with the assistant's tool calls). `counts`: token estimates
    by message id that the caller keeps (the page's session), read and filled, so a long history is not counted
    again for every turn.
    """
    started = time.monotonic()
    resolved = resolve(request.model, config.keys_in_use(caller.keys))
    spec = resolved.spec
    limits.check(spec, request.settings)
    key, source = config.resolve_key(spec.provider, caller.keys.get(spec.provider))
    request, transcript = _heard(request, caller)
    quota = ratelimit.take(session=caller.session, ip=caller.ip) if not resume else _peek(caller)
    window, messages = _prepare(request, spec, progress, counts)
    provider = get_provider(
        spec.provider, key, base_url=config.base_url(spec.provider), timeout=config.upstream_timeout()
    )
    wire = provider.wire_messages(messages)
    hub, offered = _tools(spec, tools)
    params = provider.params(spec, request.settings, tools=[t.openai_tool() for t in offered] or None)
    payload = {"model": spec.id, "messages": elide(wire), **params}
    loop = None
    if hub is not None and offered:
        loop = ToolLoop(
            hub,
            provider,
            spec,
            list(wire),
            params,
            "api" if tools == "api" else "ui",
            caller.session,
            caller.ip,
            tokens=window.tokens,
            budget=window.budget,
        )
    stream = None if resume else _open(provider, wire, spec, params, started)
    reply = Reply(
        stream,
        provider=spec.provider,
        model=spec.id,
        started=started,
        max_duration=config.max_duration(),
        context=Sent(window, payload, quota, source),
        loop=loop,
        resume=resume,
    )
    reply.asked, reply.retirement, reply.transcript = resolved.asked, resolved.retirement, transcript
    return reply


def _heard(request: ChatRequest, caller: Caller) -> tuple[ChatRequest, str | None]:
    """The request with its audio file parts as their transcripts, and the newest message's transcript."""
    if not any(isinstance(p, FilePart) for m in request.messages for p in m.parts):
        return request, None
    from chat.hearing import hear_parts

    messages, transcript = hear_parts(request.messages, caller)
    return request.model_copy(update={"messages": messages}), transcript


def _open(
    provider: Provider, wire: list[dict[str, Any]], spec: ModelSpec, params: dict[str, Any], started: float
) -> Any:
    """The first call of the model. The whole request is bounded by CHARLA_MAX_DURATION, the wait for the
    provider's first byte included: a provider that stays silent is cut at that deadline, as a reply would be."""
    limit = config.max_duration()
    try:
        return provider.open(wire, model=spec.id, params=params, timeout=min(config.upstream_timeout(), limit))
    except ModelUnavailable:
        CACHE.drop(spec.provider)  # the provider's list changed: read it again on the next look
        raise
    except UpstreamTimeout as e:
        if time.monotonic() - started >= limit * 0.95:
            raise TooSlow(spec.provider, model=spec.id, seconds_limit=round(limit)) from e
        raise


def _tools(spec: ModelSpec, mode: ToolMode) -> tuple[Any, list[Any]]:
    """The hub and the tools to offer (none when tools are off, no server is configured, or the model takes none)."""
    from chat.tools.config import config_path

    if mode == "off" or not spec.tools or config_path() is None:
        return None, []
    from chat.tools.shared import shared_hub

    hub = shared_hub()
    return hub, hub.tools()


def _peek(caller: Caller) -> Quota:
    return ratelimit.peek(session=caller.session, ip=caller.ip) or Quota(0, 0, 0)


def fallback_model(spec: ModelSpec, keys: Keys, *, needs_vision: bool = False) -> ModelSpec | None:
    """A model on the other provider that has a key (the session's own or the server's), for a 429/5xx fallback."""
    other: ProviderName = "mistral" if spec.provider == "groq" else "groq"
    if other not in config.keys_in_use(keys):
        return None
    candidates = [m for m in overlay_of(other) if m.vision or not needs_vision]
    return candidates[0] if candidates else None
