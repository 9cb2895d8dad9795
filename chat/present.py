"""How a message reads on screen, in either language: its chips, metrics, outcome marks and captions.

Plain functions of a `ChatMessage` (and the quota): the pages call them and render the strings.
"""

from __future__ import annotations

import math

from pydantic import SecretStr

from chat.attachments.preflight import chip
from chat.catalog import ModelSpec, Offer, known, retirement
from chat.config import Provider, resolve_key
from chat.errors import MissingKeyError, provider_label
from chat.messages import ChatAttachment, ChatMessage, ErrorInfo
from chat.ratelimit import Quota
from chat.text import Lang, Sentence, number, t
from chat.tools.steps import MAX_STEPS


def attachment_chip(att: ChatAttachment, lang: Lang) -> str:
    """'report.pdf · 12 pages · 34,120 characters · ~8.5k tokens · fits'."""
    return chip(
        att.name,
        tokens=att.tokens,
        fits=att.fits,
        pages=att.pages,
        chars=att.chars,
        pixels=att.pixels,
        unreadable=att.error is not None,
        lang=lang,
    )


def quota_text(quota: Quota | None, lang: Lang, *, countdown: bool = True) -> str:
    """'7 of 20 left · resets in 34 s' ('7 of 20 messages left' without `countdown`), or the wait when none is
    left."""
    if quota is None:
        return ""
    if quota.remaining == 0:
        return t("ui.quota_exhausted", lang, limit=quota.limit, seconds=max(1, quota.reset))
    if quota.reset > 0 and countdown:
        return t("ui.quota_resets", lang, remaining=quota.remaining, limit=quota.limit, seconds=quota.reset)
    return t("ui.quota_full", lang, remaining=quota.remaining, limit=quota.limit)


def _seconds(value: float, lang: Lang, digits: int = 2) -> str:
    return number(round(value, digits), lang, digits=digits)


def metrics_text(msg: ChatMessage, lang: Lang) -> str:
    """'GPT-OSS 20B · 12 → 48 tokens · first thought 0.15 s · first token 0.21 s · 830 tokens/s'."""
    spec = known(msg.model or "")
    bits = [spec.label if spec else (msg.model or "?")]
    if msg.prompt_tokens is not None and msg.completion_tokens is not None:
        bits.append(t("ui.metric_tokens", lang, inp=msg.prompt_tokens, out=msg.completion_tokens))
    if msg.ttfr is not None:
        bits.append(t("ui.metric_ttfr", lang, seconds=_seconds(msg.ttfr, lang)))
    if msg.ttft is not None:
        bits.append(t("ui.metric_ttft", lang, seconds=_seconds(msg.ttft, lang)))
    streamed = (msg.duration or 0.0) - (msg.ttft or 0.0)
    if msg.tokens_per_second is not None and streamed >= 0.1:  # a rate over a few ms says nothing
        bits.append(t("ui.metric_tps", lang, rate=round(msg.tokens_per_second)))
    elif msg.duration is not None:
        bits.append(t("ui.metric_duration", lang, seconds=_seconds(msg.duration, lang, 1)))
    return " · ".join(bits)


def outcome_text(msg: ChatMessage, lang: Lang, max_duration: float) -> str | None:
    """The mark under a reply that did not finish: stopped, cut, failed, thought out of tokens, or out of tool
    steps."""
    if msg.status == "stopped":
        return t("store.interrupted" if msg.interrupted else "ui.outcome_stopped", lang)
    if msg.status == "cut":
        return t("outcome.cut", lang, seconds=math.ceil(max_duration))
    if msg.status == "failed" and msg.error is not None:
        return msg.error.message(lang)
    if msg.thought_out:
        spec = known(msg.model or "")
        tokens = msg.completion_tokens if msg.completion_tokens is not None else "?"
        return t("outcome.thought_out", lang, model=spec.label if spec else msg.model, tokens=tokens)
    if msg.step_limited:
        return t("outcome.step_limit", lang, steps=MAX_STEPS)
    return None


def retired_text(msg: ChatMessage, lang: Lang) -> str | None:
    """'llama-3.1-8b-instant was retired by Groq on 2026-08-16; answered by openai/gpt-oss-20b' (None if not)."""
    moved = retirement(msg.asked) if msg.asked else None
    if moved is None:
        return None
    name = provider_label(moved.provider)
    return t("outcome.retired", lang, model=moved.model, provider=name, date=moved.date, successor=msg.model)


def via(provider_failed: str, spec: ModelSpec, error: ErrorInfo) -> Sentence:
    """'via Mistral Small 4 (vision) — Groq was rate limited', in any language."""
    key = "ui.via_rate_limited" if error.kind == "UpstreamRateLimited" else "ui.via_down"
    return Sentence(key, model=spec.label, provider=provider_label(provider_failed))


def model_label(spec: ModelSpec, lang: Lang) -> str:
    """A model's name in the picker: '(vision)' is in English labels already, a mark in Spanish; unverified limits."""
    label = spec.label
    if spec.vision and lang != "en":
        label += f" · {t('ui.vision', lang)}"
    if not spec.verified:
        label += f" · {t('ui.unverified', lang)}"
    return label


def offer_status(offer: Offer, lang: Lang) -> tuple[str, bool]:
    """Where the model list comes from (the provider's own listing, or Charla's: no key, or the listing failed), and
    whether that is a problem worth marking."""
    name = provider_label(offer.provider)
    if offer.error is not None:
        return t("ui.models_failed", lang, provider=name, reason=offer.error.message(lang)), True
    if offer.source == "overlay":
        return t("ui.models_no_key", lang, provider=name), False
    return t("ui.models_live", lang, provider=name, count=len(offer.models)), False


def key_status(provider: Provider, session_key: SecretStr | None, lang: Lang) -> tuple[str, bool]:
    """Which key a provider is called with (never the key itself), and whether there is none."""
    try:
        _, source = resolve_key(provider, session_key)
    except MissingKeyError:
        return t("ui.key_none", lang, env=f"{provider.upper()}_API_KEY"), True
    if source == "session":
        return t("ui.key_session", lang), False
    return t("ui.key_server", lang, provider=provider_label(provider)), False
