"""Shared fixtures: a clean environment for every test, the fake upstream, the shared test data folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # so `tests.fakes` and `chat` import however pytest was started
    sys.path.insert(0, str(REPO))

from chat import ratelimit  # noqa: E402
from tests.fakes import FakeUpstream  # noqa: E402
from tests.fakes.provider import InProcess  # noqa: E402

pytest_plugins = ["tests.browser", "tests.services"]  # Chromium and live-server fixtures; PostgreSQL and Redis

SCRUBBED = ("GROQ_API_KEY", "MISTRAL_API_KEY", "GROQ_BASE_URL", "MISTRAL_BASE_URL")
KEPT = ("CHARLA_REQUIRE_SERVICES", "CHARLA_TEST_")
"""How the test run itself is configured (see tests/services.py), not settings of the app under test."""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real keys, base URLs or CHARLA_* settings leak in; the database goes to a tmp dir."""
    for name in list(os.environ):
        if name in SCRUBBED or (name.startswith("CHARLA_") and not name.startswith(KEPT)):
            monkeypatch.delenv(name, raising=False)
    ratelimit.clear()  # the process-wide limiters start empty for every test
    data_dir = tmp_path / "charla-data"
    data_dir.mkdir()
    monkeypatch.setenv("CHARLA_DATA_DIR", str(data_dir))


@pytest.fixture(scope="session")
def upstream_server() -> Iterator[FakeUpstream]:
    """One fake Groq + Mistral server for the whole session."""
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture
def upstream(upstream_server: FakeUpstream, clean_env: None, monkeypatch: pytest.MonkeyPatch) -> FakeUpstream:
    """The fake server, reset, with both vendors' base URLs and keys pointing at it."""
    upstream_server.reset()
    for vendor in ("GROQ", "MISTRAL"):
        monkeypatch.setenv(f"{vendor}_BASE_URL", upstream_server.url)
        monkeypatch.setenv(f"{vendor}_API_KEY", "test-key")
    return upstream_server


@pytest.fixture
def inprocess(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcess]:
    """Groq and Mistral in this process (tests/fakes/provider.py), with server keys for both."""
    from chat import catalog
    from chat.providers import substitute

    for vendor in ("GROQ", "MISTRAL"):
        monkeypatch.setenv(f"{vendor}_API_KEY", "test-key")
    catalog.CACHE.drop()
    fake = InProcess()
    with substitute(fake.factory):
        yield fake
    catalog.CACHE.drop()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`<repo>/../shared/testdata`, or skip when it is not there."""
    path = REPO.parent / "shared" / "testdata"
    if not path.is_dir():
        pytest.skip(f"{path.name}: ../shared/testdata not found beside the repo")
    return path
