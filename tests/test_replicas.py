"""Two `streamlit run app.py` replicas sharing Redis and a fresh PostgreSQL database, as in the README's deployment.

- the per-IP limit holds across both: API requests alternating between them are refused once the one shared
  budget is spent;
- a conversation written through one replica opens by its `?c=` link on the other in the same browser, and not
  in another browser (CHARLA_ENV=production, owner cookies);
- a replica SIGKILLed mid-reply leaves the user message and the partial reply, marked interrupted, readable
  from the other.

Both replicas share one `server.cookieSecret` (STREAMLIT_SERVER_COOKIE_SECRET), as the README asks. The
browser reaches each replica directly on its own port (no proxy is needed to share the cookies: cookies are
per host, not per port), which is what a sticky proxy gives a browser anyway: one replica per session.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import redis

from chat.store import INTERRUPTED, Store
from tests.browser import BROWSER, IDLE, env, last_reply, open_chat, settle, shot, type_and_send
from tests.fakes import FakeUpstream, Script
from tests.live import LiveServer
from tests.services import create_database, drop_database, pg_problem, redis_problem, unavailable

pytestmark = pytest.mark.slow

IP_LIMIT = 6
CLIENT = "9.9.9.9"
"""The public address the API test claims through the trusted proxy (127.0.0.1) in X-Forwarded-For."""


@dataclass
class Deployment:
    """What the replicas share, and how to start one more."""

    database: str
    redis_url: str
    prefix: str
    environment: dict[str, str]
    replicas: list[LiveServer]

    def start_replica(self) -> LiveServer:
        server = LiveServer(self.environment).start()
        self.replicas.append(server)
        return server


@pytest.fixture(scope="module")
def deployment(fake: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    for problem in (pg_problem(), redis_problem()):
        if problem:
            unavailable(problem)
    from tests.services import REDIS

    database = create_database("charla_replicas")
    prefix = f"charla-test-{secrets.token_hex(6)}"
    environment = env(
        fake,
        tmp_path_factory.mktemp("replicas"),
        CHARLA_ENV="production",
        CHARLA_TRUSTED_PROXIES="127.0.0.1",
        CHARLA_IP_RATE_LIMIT=f"{IP_LIMIT}/60",
        CHARLA_DATABASE_URL=database,
        CHARLA_REDIS_URL=REDIS,
        CHARLA_REDIS_PREFIX=prefix,
        STREAMLIT_SERVER_COOKIE_SECRET=secrets.token_hex(32),
    )
    deployed = Deployment(database, REDIS, prefix, environment, [])
    try:
        deployed.start_replica()
        deployed.start_replica()
        yield deployed
    finally:
        for server in deployed.replicas:
            server.stop()
        client = redis.Redis.from_url(REDIS)
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.unlink(*keys)
        drop_database(database)


def chat_request(url: str, text: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/chat",
        json={"messages": [{"role": "user", "content": text}]},
        headers={"X-Forwarded-For": CLIENT},
        timeout=30,
    )


def test_the_per_ip_limit_holds_across_replicas(deployment: Deployment) -> None:
    one, two = deployment.replicas[:2]
    for server in (one, two):
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert health.status_code == 200 and health.json() == {"ok": True, "store": "ok", "redis": "ok"}
    remaining = []
    for i in range(IP_LIMIT):
        r = chat_request((one, two)[i % 2].url, f"request {i}")
        assert r.status_code == 200, r.text
        remaining.append(int(r.headers["x-ratelimit-remaining"]))
    assert remaining == list(range(IP_LIMIT - 1, -1, -1))  # one budget, counted down by both
    for server in (one, two, one):
        refused = chat_request(server.url, "one too many")
        assert refused.status_code == 429 and refused.json()["error"] == "Too Many Requests"
        assert refused.headers["x-ratelimit-remaining"] == "0" and int(refused.headers["retry-after"]) >= 1


def conv_of(page: Any) -> str:
    return parse_qs(urlparse(page.url).query)["c"][0]


def bubbles(page: Any) -> list[str]:
    return [
        t.strip()
        for t in page.locator('[data-testid="stChatMessageContent"] [data-testid="stMarkdown"]').all_inner_texts()
    ]


def browser_test(fn: Any) -> Any:
    """Mark `fn` as a browser test (skipped, saying why, without Chromium or playwright)."""
    for mark in BROWSER:
        fn = mark(fn)
    return fn


@browser_test
def test_a_link_opens_on_the_other_replica_in_the_same_browser_only(browser: Any, deployment: Deployment) -> None:
    one, two = deployment.replicas[:2]
    alice = browser.new_context(viewport={"width": 1200, "height": 1000})
    bob = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        a = alice.new_page()
        open_chat(a, one.url)
        type_and_send(a, "alice plans a surprise party")
        last_reply(a).get_by_text("Echo: alice plans a surprise party").wait_for(timeout=15_000)
        settle(a)
        conv = conv_of(a)

        open_chat(a, f"{two.url}/?c={conv}")  # same browser, the other replica: the owner cookie goes along
        last_reply(a).get_by_text("Echo: alice plans a surprise party").wait_for(timeout=15_000)
        assert bubbles(a)[:2] == ["alice plans a surprise party", "Echo: alice plans a surprise party"]
        shot(a, "replicas_same_browser")
        a.goto(f"{two.url}/history")
        a.wait_for_selector(IDLE, timeout=30_000)
        a.get_by_text("alice plans a surprise party").wait_for(timeout=15_000)

        for server in (two, one):  # another browser: nothing, on either replica
            b = bob.new_page()
            open_chat(b, f"{server.url}/?c={conv}")
            b.get_by_text("could not be opened").wait_for(timeout=15_000)
            assert "surprise" not in b.inner_text("body")
        shot(b, "replicas_other_browser")
    finally:
        alice.close()
        bob.close()


@browser_test
def test_a_replica_killed_mid_reply_leaves_it_readable_on_the_other(
    browser: Any, fake: FakeUpstream, deployment: Deployment
) -> None:
    words = [f"w{i}" for i in range(400)]
    fake.reset()
    fake.script(Script(text=" ".join(words), delay=0.03))
    victim = deployment.start_replica()
    survivor = deployment.replicas[1]
    context = browser.new_context(viewport={"width": 1200, "height": 1000})
    try:
        page = context.new_page()
        open_chat(page, victim.url)
        type_and_send(page, "count slowly")
        last_reply(page).get_by_text("w40").wait_for(timeout=15_000)
        page.wait_for_timeout(700)  # past one throttled write
        conv = conv_of(page)
        shown = last_reply(page).inner_text()
        victim.kill()

        open_chat(page, f"{survivor.url}/?c={conv}")
        last_reply(page).get_by_text("Interrupted").wait_for(timeout=15_000)
        texts = bubbles(page)
        assert texts[0] == "count slowly"
        stored = texts[1].split()
        assert len(stored) >= 20 and stored == words[: len(stored)]
        assert " ".join(stored) in shown.replace("▌", "")
        shot(page, "replicas_after_kill")

        time.sleep(2.5)  # the dead replica's heartbeat is now older than this reader's grace
        with Store(deployment.database, stale_after=2.0) as reader:
            user, reply = reader.messages(conv)
        assert (user.role, user.text, user.status) == ("user", "count slowly", "finished")
        assert reply.text.split() == stored and reply.status == "stopped" and reply.error == INTERRUPTED
    finally:
        context.close()
