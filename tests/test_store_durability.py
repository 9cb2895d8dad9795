"""SIGKILL mid-reply loses neither the user's message nor the reply text written so far."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from chat.store import INTERRUPTED, Store

pytestmark = pytest.mark.slow  # a writer process is killed

REPO = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent(
    """
    import sys, time
    from chat.store import Store

    store = Store(sys.argv[1])
    conv = store.create_conversation(owner=None, model="llama-3.1-8b-instant", settings={})
    user = store.add_message(conv.id, role="user", text="Tell me a long story")
    reply = store.start_reply(conv.id, model="llama-3.1-8b-instant", provider="groq")
    print("IDS", conv.id, user.id, reply.id, flush=True)
    n = 0
    while True:
        n += 1
        store.update_reply(reply.id, " ".join(f"w{i}" for i in range(n)))
        print("WROTE", n, flush=True)
        if n == 5:
            print("STREAMING", flush=True)
        time.sleep(0.05)
    """
)


def _text(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_reply_keeps_user_message_and_partial_text(tmp_path: Path) -> None:
    db = tmp_path / "charla.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    assert proc.stdout is not None
    ids: list[str] = []
    last_written = 0
    deadline = time.monotonic() + 30
    try:
        for line in proc.stdout:
            word, *rest = line.split()
            if word == "IDS":
                ids = rest
            elif word == "WROTE":
                last_written = int(rest[0])
            elif word == "STREAMING":
                break
            assert time.monotonic() < deadline, "writer too slow"
        else:
            pytest.fail(f"writer exited early: {proc.stderr.read() if proc.stderr else ''}")
        time.sleep(0.3)  # let it write a few more updates, then kill it mid-stream
        os.kill(proc.pid, signal.SIGKILL)
        for line in proc.stdout:  # everything it reported before dying
            word, *rest = line.split()
            if word == "WROTE":
                last_written = int(rest[0])
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    conv_id, user_id, reply_id = ids[0], int(ids[1]), int(ids[2])
    assert last_written >= 5

    with Store(db) as store:
        assert reply_id in store.recovered
        user, reply = store.messages(conv_id)
        assert (user.id, user.role, user.text) == (user_id, "user", "Tell me a long story")
        assert reply.id == reply_id and reply.role == "assistant"
        # every reported write is there; at most one more was committed before the print
        assert reply.text in (_text(last_written), _text(last_written + 1))
        assert reply.status == "stopped" and reply.error == INTERRUPTED and reply.interrupted
        conv = store.get_conversation(conv_id)
        assert conv is not None and conv.title == "Tell me a long story"
    with Store(db) as again:  # settled once; reopening changes nothing
        assert again.recovered == []
