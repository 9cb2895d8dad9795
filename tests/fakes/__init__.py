"""Fake Groq and Mistral upstreams that speak the vendors' real wire format on 127.0.0.1.

    with FakeUpstream() as up:                      # or the `upstream` pytest fixture
        up.script(Script(text="Hi there", delay=0.05), Script(status=429, retry_after=3))
        Groq(api_key="test-key", base_url=up.url, max_retries=0)         # SDK adds /openai/v1
        Mistral(api_key="test-key", server_url=up.url)                    # SDK adds /v1
        up.chat_requests("groq")[0].body                                   # what the client sent

Scripts are consumed one per chat request; without one the reply is `default_reply(rec)` ("Echo: <last user
text>"), streamed with the timing of `default_script`. Counts in `stall_after`, `drop_after` and `error_after`
are content chunks sent after the opening `{"role":"assistant","content":""}` chunk, which always goes out
first (so `stall_after=0` stalls right after the stream has started). `first_delay` is waited before anything,
status line included. `Authorization: Bearer bad-key` (or none) always gets the vendor's 401 and consumes no
script. Standalone: `python -m tests.fakes --port N`.
"""

from tests.fakes.upstream import FakeUpstream, Recorded, Script, echo_reply, message_text

__all__ = ["FakeUpstream", "Recorded", "Script", "echo_reply", "message_text"]
