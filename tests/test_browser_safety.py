"""A reply must not make the browser call anyone: a collector on 127.0.0.1 records every request Chromium makes.

The first test goes through Charla: a scripted reply holds images pointing at the collector in every form, and
showing it (streamed), reopening it (`?c=`), the History page (title, delete notice) and both exports must
reach the collector never; clicking an ordinary link does, once, without a Referer (the check that the
collector works). The second renders every case of tests/markdown_cases.py in a bare Streamlit page, through
`safe_markdown` and, for what Streamlit makes inert itself (raw HTML, KaTeX, colours), as they are; one raw
image on each end of the page must arrive, so that silence means something.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import BROWSER, IDLE, env, last_reply, open_chat, settle, shot, type_and_send
from tests.fakes import FakeUpstream, Script
from tests.live import ROOT, LiveServer

pytestmark = BROWSER
WAIT = 30_000


class Collector:
    """An HTTP server on its own port of 127.0.0.1 that answers 200 and records every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []  # path, headers
        self.arrived = threading.Condition()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with collector.arrived:
                    collector.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                    collector.arrived.notify_all()
                body = b"<p>collected</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_HEAD = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        with self.arrived:
            return [path for path, _ in self.requests if path != "/favicon.ico"]  # a new tab's own icon

    def wait_for(self, path: str, timeout: float = 30) -> dict[str, str]:
        """The headers of the first request for `path`, once it has arrived."""
        with self.arrived:
            found = self.arrived.wait_for(lambda: any(p == path for p, _ in self.requests), timeout)
            assert found, f"the collector never saw {path}; it saw {self.requests}"
            return next(h for p, h in self.requests if p == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.close()


def reply_for(c: str) -> str:
    svg = f"data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E%3Cimage%20href='{c}/svg'/%3E%3C/svg%3E"
    return (
        f'Inline ![inline]({c}/inline?d=secret) and reference ![ref][r], titled ![titled]({c}/titled "t").\n\n'
        f'Raw <img src="{c}/html"> and <iframe src="{c}/iframe"></iframe>, data '
        f"![dot](data:image/png;base64,iVBORw0KGgo=) and ![svg]({svg}).\n\n"
        f"| table |\n|---|\n| ![cell]({c}/cell) |\n\n"
        f"> ![quoted]({c}/quote)\n\n"
        f"A [plain link]({c}/link) to click.\n\n"
        f"[r]: {c}/ref\n"
    )


def test_showing_reopening_and_exporting_a_reply_fetches_nothing(
    page: Any, server: LiveServer, fake: FakeUpstream, collector: Collector, tmp_path: Path
) -> None:
    c = collector.url
    fake.script(Script(text=reply_for(c), delay=0.005))  # word by word: the streaming box draws partial images
    open_chat(page, server.url)
    type_and_send(page, f"What is ![asked]({c}/title)?")
    reply = last_reply(page)
    reply.get_by_text("first token").first.wait_for(timeout=WAIT)
    settle(page)
    conv = parse_qs(urlparse(page.url).query)["c"][0]

    def shows_placeholders() -> None:
        reply = last_reply(page)
        for alt in ("inline", "ref", "titled", "cell", "quoted"):
            reply.get_by_text(f"image: {alt} (127.0.0.1)").wait_for(timeout=WAIT)
        for alt in ("dot", "svg"):
            assert reply.get_by_text(f"image: {alt} (embedded, not shown)").count() == 1
        assert reply.locator(f'a[href="{c}/inline?d=secret"]').count() == 1  # a link the visitor may click
        assert page.locator('[data-testid="stChatMessageContent"] :is(img, iframe, video, audio)').count() == 0
        assert f'<img src="{c}/html">' in reply.inner_text()  # raw HTML is shown as text
        question = page.locator('[data-testid="stChatMessage"]').first
        question.get_by_text("image: asked (127.0.0.1)").wait_for(timeout=WAIT)

    shows_placeholders()
    shot(page, "safety_reply")
    assert collector.paths() == []

    page.goto(f"{server.url}/?c={conv}")  # reopened from its link
    page.wait_for_selector(IDLE, timeout=WAIT)
    shows_placeholders()
    assert collector.paths() == []

    page.goto(server.url + "/history")
    page.wait_for_selector(IDLE, timeout=WAIT)
    row = page.locator(f'[class*="st-key-conv_{conv}"]')
    row.get_by_text(f"What is ![asked]({c}/title)?").wait_for(timeout=WAIT)  # the title, as text
    for kind in ("md", "json"):
        with page.expect_download() as info:
            page.locator(f'[class*="st-key-{kind}_{conv}"] button').first.click()
        saved = tmp_path / f"export.{kind}"
        info.value.save_as(str(saved))
        assert f"{c}/inline?d=secret" in saved.read_text()  # the export keeps what was said
    page.locator(f'[class*="st-key-del_{conv}"] button').first.click()
    page.get_by_text(f"Delete “What is ![asked]({c}/title)?”").wait_for(timeout=WAIT)
    shot(page, "safety_history")
    page.locator(f'[class*="st-key-del_no_{conv}"] button').first.click()
    settle(page)
    assert collector.paths() == []

    page.goto(f"{server.url}/?c={conv}")
    page.wait_for_selector(IDLE, timeout=WAIT)
    with page.context.expect_page() as opened:
        last_reply(page).get_by_role("link", name="plain link").click()
    opened.value.close()
    headers = collector.wait_for("/link")
    assert "referer" not in headers  # Streamlit's links carry rel="noopener noreferrer"
    assert collector.paths() == ["/link"], collector.paths()


APP = """
import os, sys
sys.path.insert(0, os.environ["CHARLA_ROOT"])
import streamlit as st
from chat.render import safe_markdown
from tests.markdown_cases import CASES, LINKS, RAW_INERT, case
base = os.environ["COLLECTOR"]
st.markdown(f"![first]({base}/control-first)")
for name in sorted(CASES):
    with st.container(key=f"case_{name}"):
        st.markdown(safe_markdown(case(name, base)))
        if name in RAW_INERT:
            st.markdown(case(name, base))
st.markdown(LINKS.format(u=base))
with st.container(key="done"):
    st.markdown(f"![last]({base}/control-last)")
"""


def test_every_case_renders_inert_in_streamlit(
    page: Any, fake: FakeUpstream, collector: Collector, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.markdown_cases import CASES

    folder = tmp_path_factory.mktemp("cases")
    script = folder / "cases_app.py"
    script.write_text(APP)
    settings = env(fake, folder, COLLECTOR=collector.url, CHARLA_ROOT=str(ROOT))
    with LiveServer(settings, script=str(script)) as srv:
        page.goto(srv.url)
        page.wait_for_selector(IDLE, timeout=WAIT)
        page.locator(".st-key-done").wait_for(timeout=WAIT)
        for name in CASES:
            page.locator(f".st-key-case_{name}").wait_for(state="attached", timeout=WAIT)
        collector.wait_for("/control-first")
        collector.wait_for("/control-last")
        settle(page)
        shot(page, "safety_cases")
    leaked = [p for p in collector.paths() if not p.startswith("/control-")]
    assert leaked == [], f"fetched by Chromium: {leaked}"
