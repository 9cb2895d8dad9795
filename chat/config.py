"""Configuration read from the environment (root-level keys of `.streamlit/secrets.toml` reach it too).

Every value is read when asked for, not at import, so a deployer's change and a test's monkeypatch both hold.
Keys are `SecretStr` and never printed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from chat.errors import MissingKeyError

Provider = Literal["groq", "mistral"]
PROVIDERS: tuple[Provider, ...] = ("groq", "mistral")

DEFAULT_RATE_LIMIT = "20/60"
DEFAULT_IP_RATE_LIMIT = "60/60"
DEFAULT_MAX_DURATION = 60.0
SEED_MODEL = "llama-3.1-8b-instant"
"""The model seed 004's API names by default (retired by Groq: answered by its successor, see chat.catalog)."""
WINDOW_MESSAGES = 8
"""How many non-system messages the model sees at most (seed 004)."""


@dataclass(frozen=True)
class RateSpec:
    """`N/SECONDS`: at most `requests` within any `seconds`-long stretch."""

    requests: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> RateSpec:
        """Parse `N/SECONDS` (e.g. `20/60`); raise ValueError with the expected shape otherwise."""
        count, sep, period = text.strip().partition("/")
        try:
            spec = cls(int(count), float(period))
        except ValueError:
            spec = None
        if not sep or spec is None or spec.requests < 1 or spec.seconds <= 0:
            raise ValueError(f"rate limit must look like N/SECONDS with N >= 1, e.g. 20/60; got {text!r}")
        return spec


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def _rate(name: str, default: str) -> RateSpec:
    text = _env(name, default)
    spec = RateSpec.parse(text)
    if redis_url() and not float(spec.seconds).is_integer():
        raise ValueError(
            f"{name} must count whole seconds when CHARLA_REDIS_URL is set (Redis windows are whole seconds), "
            f"e.g. 20/60; got {text!r}"
        )
    return spec


def session_rate() -> RateSpec:
    """CHARLA_RATE_LIMIT: requests per browser session (default 20/60; whole seconds with Redis)."""
    return _rate("CHARLA_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def ip_rate() -> RateSpec:
    """CHARLA_IP_RATE_LIMIT: requests per client IP across UI and API (default 60/60; whole seconds with Redis)."""
    return _rate("CHARLA_IP_RATE_LIMIT", DEFAULT_IP_RATE_LIMIT)


def redis_url() -> str | None:
    """CHARLA_REDIS_URL: rate limits shared by every replica, in Redis (unset: in this process's memory)."""
    return _env("CHARLA_REDIS_URL") or None


def redis_prefix() -> str:
    """CHARLA_REDIS_PREFIX: the prefix of Charla's Redis keys (default `charla`), to share one Redis."""
    return _env("CHARLA_REDIS_PREFIX", "charla")


def database_url() -> str | None:
    """CHARLA_DATABASE_URL: `postgresql://…` keeps conversations in PostgreSQL (unset: SQLite in CHARLA_DATA_DIR)."""
    return _env("CHARLA_DATABASE_URL") or None


def is_production() -> bool:
    """CHARLA_ENV=production: a valid public client IP is required; history is private per browser."""
    return _env("CHARLA_ENV", "development").lower() == "production"


def max_duration() -> float:
    """CHARLA_MAX_DURATION: seconds a reply may stream before it is cut (default 60)."""
    try:
        value = float(_env("CHARLA_MAX_DURATION", str(DEFAULT_MAX_DURATION)))
    except ValueError:
        return DEFAULT_MAX_DURATION
    return value if value > 0 else DEFAULT_MAX_DURATION


def upstream_timeout() -> float:
    """CHARLA_UPSTREAM_TIMEOUT: seconds the provider may stay silent (per read) before the reply fails (default 30)."""
    try:
        value = float(_env("CHARLA_UPSTREAM_TIMEOUT", "30"))
    except ValueError:
        return 30.0
    return value if value > 0 else 30.0


def api_token() -> SecretStr | None:
    """CHARLA_API_TOKEN: when set, /api/chat requires `Authorization: Bearer <token>`."""
    value = _env("CHARLA_API_TOKEN")
    return SecretStr(value) if value else None


def data_dir() -> Path:
    """CHARLA_DATA_DIR: the folder of the SQLite database (default `.charla/`)."""
    return Path(_env("CHARLA_DATA_DIR", ".charla"))


def base_url(provider: Provider) -> str | None:
    """GROQ_BASE_URL / MISTRAL_BASE_URL: the host root (the SDK adds the path); None means the official host."""
    value = _env(f"{provider.upper()}_BASE_URL")
    if not value:
        return None
    value = value.rstrip("/")
    # A common slip: pasting an OpenAI-style URL. The SDKs add the path themselves.
    for suffix in ("/openai/v1", "/v1"):
        if value.endswith(suffix):
            value = value[: -len(suffix)]
    return value


def server_key(provider: Provider) -> SecretStr | None:
    """The server-side key from GROQ_API_KEY / MISTRAL_API_KEY, if any."""
    value = _env(f"{provider.upper()}_API_KEY")
    return SecretStr(value) if value else None


def resolve_key(provider: Provider, session_key: SecretStr | str | None = None) -> tuple[SecretStr, str]:
    """The key to use and where it came from (`session` or `server`); MissingKeyError if there is none."""
    if isinstance(session_key, str):
        session_key = SecretStr(session_key.strip()) if session_key.strip() else None
    if session_key is not None and session_key.get_secret_value():
        return session_key, "session"
    key = server_key(provider)
    if key is None:
        raise MissingKeyError(provider)
    return key, "server"


def key_digest(key: SecretStr) -> str:
    """A SHA-256 hex digest of `key`: what caches are keyed by, so no cache holds a key as its key."""
    return hashlib.sha256(key.get_secret_value().encode()).hexdigest()


def keys_in_use(session_keys: Mapping[Provider, SecretStr | str | None] | None = None) -> dict[Provider, SecretStr]:
    """The key each provider would be called with (the session's own, else the server's); providers without one
    are left out."""
    keys: dict[Provider, SecretStr] = {}
    for provider in PROVIDERS:
        try:
            keys[provider] = resolve_key(provider, (session_keys or {}).get(provider))[0]
        except MissingKeyError:
            continue
    return keys
