"""SIGKILL mid-reply loses neither the user's message nor the reply text written so far, on both engines; and
another process tells a dead writer from a live (even silent) one by its heartbeat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat.store import INTERRUPTED, Store

pytestmark = pytest.mark.slow  # a writer process is killed

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

WRITER = textwrap.dedent(
    """
    import sys, time
    from chat.store import Store, liveness

    liveness.HEARTBEAT = 0.2
    store = Store(sys.argv[1])
    conv = store.create_conversation(owner=None, model="llama-3.1-8b-instant", settings={})
    user = store.add_message(conv.id, role="user", text="Tell me a long story")
    reply = store.start_reply(conv.id, model="llama-3.1-8b-instant", provider="groq")
    print("IDS", conv.id, user.id, reply.id, flush=True)
    n = 0
    while True:
        if n < 5 or sys.argv[2] == "stream":
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


class Writer:
    """A process writing one reply into `target` (`stream`: a word every 50 ms; `silent`: 5 words, then only
    its heartbeat), that the test SIGKILLs."""

    def __init__(self, target: Path | str, mode: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        self.ids: list[str] = []
        self.written = 0

    def _read(self, line: str) -> str:
        word, *rest = line.split()
        if word == "IDS":
            self.ids = rest
        elif word == "WROTE":
            self.written = int(rest[0])
        return word

    def wait_streaming(self) -> None:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 30
        for line in self.proc.stdout:
            if self._read(line) == "STREAMING":
                return
            assert time.monotonic() < deadline, "writer too slow"
        pytest.fail(f"writer exited early: {self.proc.stderr.read() if self.proc.stderr else ''}")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # everything it reported before dying
            self._read(line)
        self.proc.wait(timeout=10)
        assert self.proc.returncode == -signal.SIGKILL

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


@pytest.fixture
def writer_factory() -> Iterator[type[Writer]]:
    started: list[Writer] = []

    class Tracked(Writer):
        def __init__(self, target: Path | str, mode: str) -> None:
            super().__init__(target, mode)
            started.append(self)

    yield Tracked
    for w in started:
        w.close()


def test_sigkill_mid_reply_keeps_user_message_and_partial_text(
    db_target: Path | str, writer_factory: type[Writer]
) -> None:
    writer = writer_factory(db_target, "stream")
    writer.wait_streaming()
    time.sleep(0.3)  # let it write a few more updates, then kill it mid-stream
    writer.kill()
    conv_id, user_id, reply_id = writer.ids[0], int(writer.ids[1]), int(writer.ids[2])
    assert writer.written >= 5

    with Store(db_target, stale_after=0) as store:  # no grace: whoever is not this process is dead
        assert reply_id in store.recovered
        user, reply = store.messages(conv_id)
        assert (user.id, user.role, user.text) == (user_id, "user", "Tell me a long story")
        assert reply.id == reply_id and reply.role == "assistant"
        # every reported write is there; at most one more was committed before the print
        assert reply.text in (_text(writer.written), _text(writer.written + 1))
        assert reply.status == "stopped" and reply.error == INTERRUPTED and reply.interrupted
        conv = store.get_conversation(conv_id)
        assert conv is not None and conv.title == "Tell me a long story"
    with Store(db_target, stale_after=0) as again:  # settled once; reopening changes nothing
        assert again.recovered == []


def test_a_silent_live_writer_keeps_its_reply_and_a_dead_one_is_settled(
    db_target: Path | str, writer_factory: type[Writer]
) -> None:
    """What another replica sees: a reply streaming elsewhere, its provider silent (only the heartbeat), is not
    interrupted; once that process is killed, the reply is settled within `stale_after` s, its text kept."""
    writer = writer_factory(db_target, "silent")
    writer.wait_streaming()
    conv_id, reply_id = writer.ids[0], int(writer.ids[2])
    with Store(db_target, stale_after=1.0) as reader:
        assert reader.recovered == []
        time.sleep(2.0)  # twice the grace, with no text written: only heartbeats
        assert reader.messages(conv_id)[1].status == "streaming"
        writer.kill()
        time.sleep(1.5)
        reply = reader.messages(conv_id)[1]
        assert reply.id == reply_id and reply.text == _text(5)
        assert reply.status == "stopped" and reply.interrupted
