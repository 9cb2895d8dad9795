"""The real PostgreSQL and Redis the tests talk to (never mocks), or a skip that says why they are not there.

- `redis_url` / `redis_prefix`: the shared Redis, and a key prefix of the test's own (its keys deleted after).
- `pg_url`: a PostgreSQL database made for this test session (migrated; dropped at the end); `pg_clean_url`:
  the same database emptied for one test.
- `db_target`: parametrises a test over SQLite (a file in tmp_path) and PostgreSQL (`pg_clean_url`).
- `private_redis`: a redis-server of the test's own on a free port, which the test may stop and start.

`CHARLA_REQUIRE_SERVICES=1` (set by `.ci/run`) turns every such skip into a failure. The servers tried are
`CHARLA_TEST_POSTGRES` (an admin URL to create databases from; default `postgresql://root@127.0.0.1:5432/postgres`)
and `CHARLA_TEST_REDIS` (default `redis://127.0.0.1:6379/0`).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

REQUIRED = os.environ.get("CHARLA_REQUIRE_SERVICES") == "1"
PG_ADMIN = os.environ.get("CHARLA_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/postgres")
REDIS = os.environ.get("CHARLA_TEST_REDIS", "redis://127.0.0.1:6379/0")


def unavailable(why: str) -> None:
    """Skip with `why`, or fail when the services are required."""
    if REQUIRED:
        pytest.fail(f"{why} (CHARLA_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(why)


@cache
def redis_problem() -> str | None:
    try:
        redis.Redis.from_url(REDIS, socket_timeout=2, socket_connect_timeout=2).ping()
    except (redis.RedisError, OSError) as e:
        return f"Redis at {REDIS} not reachable: {type(e).__name__}"
    return None


@cache
def pg_problem() -> str | None:
    try:
        with admin_engine().connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as e:
        return f"PostgreSQL at {make_url(PG_ADMIN).render_as_string()} not reachable: {type(e.orig or e).__name__}"
    return None


def admin_engine() -> sa.Engine:
    url = make_url(PG_ADMIN).set(drivername="postgresql+psycopg")
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def create_database(prefix: str = "charla_test") -> str:
    """A new, empty PostgreSQL database; its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    engine = admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of `url`, ending any session still on it."""
    engine = admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = redis_problem()
    if problem:
        unavailable(problem)
    return REDIS


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"charla-test-{secrets.token_hex(6)}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.unlink(*keys)
    client.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database for this test session, migrated to head; dropped at the end."""
    problem = pg_problem()
    if problem:
        unavailable(problem)
    url = create_database()
    try:
        from chat.store import Store

        Store(url).close()  # runs the migrations once
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def pg_clean_url(pg_url: str) -> str:
    """`pg_url`, emptied for this test."""
    engine = sa.create_engine(make_url(pg_url).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE conversations, messages RESTART IDENTITY CASCADE")
    engine.dispose()
    return pg_url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A database to open a Store on: a SQLite file, or the session's (emptied) PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "charla.db"
    return str(request.getfixturevalue("pg_clean_url"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    """A redis-server of a test's own (no persistence) on a free port: `stop()` and `start()` it at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        cmd = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return self
            except (redis.RedisError, OSError):
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = PrivateRedis().start()
    try:
        yield server
    finally:
        server.stop()
