"""Models the providers retired, each with the current model Charla answers with instead.

A successor keeps what the retired model could do (a retired vision model maps to a vision model), so that an old
conversation or an API client that still names it, images included, keeps working and is told so once. Sources and
dates: the providers' deprecation pages (docs/providers.md has the links and what each page said on 2026-12-02).
Mistral's listing can add entries at run time (a card whose `deprecation` date has passed names its replacement):
see `chat.catalog.live`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat.config import Provider

GROQ_SOURCE = "https://console.groq.com/docs/deprecations"
MISTRAL_SOURCE = "https://docs.mistral.ai/getting-started/models/#deprecated-models"


@dataclass(frozen=True)
class Retirement:
    """`model` was retired by `provider` on `date` (ISO); Charla answers with `successor`."""

    model: str
    provider: Provider
    date: str
    successor: str
    source: str
    named_by_provider: bool = True
    """False where the provider named no replacement (or one that is itself retired) and Charla chose."""


def _groq(model: str, date: str, successor: str, named: bool = True) -> Retirement:
    return Retirement(model, "groq", date, successor, GROQ_SOURCE, named)


def _mistral(model: str, date: str, successor: str, named: bool = True) -> Retirement:
    return Retirement(model, "mistral", date, successor, MISTRAL_SOURCE, named)


RETIRED: dict[str, Retirement] = {
    r.model: r
    for r in (
        _groq("llama-3.1-8b-instant", "2026-08-16", "openai/gpt-oss-20b"),
        _groq("llama-3.3-70b-versatile", "2026-08-16", "openai/gpt-oss-120b"),
        _groq("meta-llama/llama-4-scout-17b-16e-instruct", "2026-07-17", "qwen/qwen3.8-27b", named=False),
        _groq("meta-llama/llama-4-maverick-17b-128e-instruct", "2026-03-09", "qwen/qwen3.8-27b", named=False),
        _groq("qwen/qwen3.6-27b", "2026-09-14", "qwen/qwen3.8-27b"),
        _groq("qwen/qwen3-32b", "2026-07-17", "openai/gpt-oss-120b"),
        _groq("groq/compound", "2026-09-21", "openai/gpt-oss-120b", named=False),
        _groq("groq/compound-mini", "2026-09-21", "openai/gpt-oss-20b", named=False),
        _groq("moonshotai/kimi-k2-instruct-0905", "2026-04-15", "openai/gpt-oss-120b"),
        _groq("moonshotai/kimi-k2-instruct", "2025-10-10", "openai/gpt-oss-120b"),
        _groq("gemma2-9b-it", "2025-10-08", "openai/gpt-oss-20b", named=False),
        _groq("deepseek-r1-distill-llama-70b", "2025-10-02", "openai/gpt-oss-120b"),
        _groq("llama3-70b-8192", "2025-08-30", "openai/gpt-oss-120b", named=False),
        _groq("llama3-8b-8192", "2025-08-30", "openai/gpt-oss-20b", named=False),
        _groq("mistral-saba-24b", "2025-07-30", "openai/gpt-oss-120b", named=False),
        _groq("mixtral-8x7b-32768", "2025-03-20", "openai/gpt-oss-120b", named=False),
        _mistral("pixtral-12b-2409", "2025-12-31", "ministral-14b-latest"),
        _mistral("pixtral-12b-latest", "2025-12-31", "ministral-14b-latest"),
        _mistral("pixtral-large-2411", "2026-05-31", "mistral-medium-latest"),
        _mistral("pixtral-large-latest", "2026-05-31", "mistral-medium-latest"),
        _mistral("mistral-large-2411", "2026-05-31", "mistral-large-latest"),
        _mistral("magistral-medium-latest", "2026-07-31", "mistral-medium-latest"),
        _mistral("magistral-medium-2509", "2026-07-31", "mistral-medium-latest"),
        _mistral("magistral-small-latest", "2026-07-31", "mistral-small-latest"),
        _mistral("magistral-small-2509", "2026-07-31", "mistral-small-latest"),
        _mistral("mistral-medium-2508", "2026-08-31", "mistral-medium-latest"),
        _mistral("mistral-medium-2505", "2026-08-31", "mistral-medium-latest"),
        _mistral("open-mistral-nemo", "2026-07-31", "mistral-small-latest", named=False),
        _mistral("devstral-latest", "2026-07-31", "mistral-medium-latest"),
        _mistral("codestral-2501", "2025-11-30", "codestral-latest"),
    )
}


def retirement_of(model_id: str) -> Retirement | None:
    """The retirement of `model_id`, if Charla knows of one."""
    return RETIRED.get(model_id)
