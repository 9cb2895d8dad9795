"""GET /healthz: 200 when the conversation store and Redis answer, 503 saying which one did not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from chat import ratelimit
from tests.api_fixtures import make_client
from tests.services import PrivateRedis


@pytest.fixture
def client() -> Iterator[TestClient]:
    ratelimit.clear()
    with make_client() as c:
        yield c


def test_default_is_sqlite_and_memory(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"ok": True, "store": "ok", "redis": "off"}


def test_postgresql_and_redis(client: TestClient, pg_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_DATABASE_URL", pg_url)
    monkeypatch.setenv("CHARLA_REDIS_URL", redis_url)
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"ok": True, "store": "ok", "redis": "ok"}


def test_redis_down_then_back(client: TestClient, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_REDIS_URL", private_redis.url)
    assert client.get("/healthz").json()["redis"] == "ok"
    private_redis.stop()
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json() == {"ok": False, "store": "ok", "redis": "down"}
    private_redis.start()
    assert client.get("/healthz").status_code == 200


def test_store_down(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARLA_DATABASE_URL", "postgresql://charla:pw@127.0.0.1:1/nowhere?connect_timeout=1")
    r = client.get("/healthz")
    assert r.status_code == 503 and r.json() == {"ok": False, "store": "down", "redis": "off"}
    assert "pw" not in r.text
