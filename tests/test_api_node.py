"""The AI SDK's own client (`ai` npm package: DefaultChatTransport + readUIMessageStream) reads /api/chat."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.api_fixtures import live_server
from tests.fakes import FakeUpstream

NODE_DIR = Path(__file__).resolve().parent / "node"
pytestmark = pytest.mark.slow


def test_ai_sdk_client_reads_the_stream(upstream: FakeUpstream, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (NODE_DIR / "node_modules" / "ai").is_dir():
        pytest.skip("tests/node/node_modules is missing: run `npm ci` in tests/node")
    # the README's example config (the demo MCP server), relative to the repo root the server runs in
    server = live_server(upstream, str(tmp_path), CHARLA_MCP_CONFIG="examples/mcp.json")
    try:
        env = {**os.environ, "CHARLA_URL": server.url, "FAKE_URL": upstream.url}
        run = subprocess.run(
            [node, "--test", "chat.test.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# skipped 0" in run.stdout and "# pass 0" not in run.stdout
