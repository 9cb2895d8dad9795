"""`POST /api/chat`: seed 004's contract over `chat.service`, answered as an AI SDK UI-message stream.

Order of checks (each refusal is a seed 004 envelope from :mod:`chat.api.envelope`):
bearer token (401) -> client IP (400) -> Content-Type (415) -> body size (413) -> an IP whose quota is already
spent (429) -> JSON and shape (400) -> no model named and no key at all (500) -> `service.send` (model, key, rate
limit 429, window, attachments, upstream errors) -> 200 stream. The window, token budget, rate limits and the
duration cut all live in :mod:`chat.service`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from functools import partial

from starlette.requests import Request
from starlette.responses import Response

from chat import config, ratelimit, service
from chat.api import clientip
from chat.api.body import check_content_type, parse, read_body
from chat.api.envelope import Unauthorized, error_response, rate_headers
from chat.api.stream import EventStream, Relay
from chat.api.workers import OPENING, run_blocking
from chat.errors import ChatError
from chat.providers.clients import on_send
from chat.text import Lang, parse_accept_language

log = logging.getLogger(__name__)


def check_token(request: Request) -> None:
    """Unauthorized unless CHARLA_API_TOKEN is unset or `Authorization: Bearer <it>` was sent."""
    token = config.api_token()
    if token is None:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Unauthorized()


def client_address(request: Request) -> str | None:
    """The client's address per :mod:`chat.api.clientip` (not yet validated)."""
    peer = request.client.host if request.client else None
    return clientip.resolve(peer, request.headers.getlist("x-forwarded-for"))


async def open_reply(request: Request, ip: str) -> tuple[Relay, bool]:
    """Read, parse and send the request: the reply's relay, already pumping on the thread that sent it, and
    whether to stream its reasoning. ChatError for anything refused before the stream begins."""
    lang = parse_accept_language(request.headers.get("accept-language"))
    check_content_type(request)
    raw = await read_body(request)
    opened: list[Relay] = []
    with OPENING.request() as sent, on_send(sent):  # open once the request has left for the provider
        try:
            return await run_blocking(partial(_send, raw, lang, ip, asyncio.get_running_loop(), opened), then=_pump)
        except BaseException:
            for relay in opened:  # cancelled while it was sent: nobody will read it
                relay.cancel()
            raise


def _send(raw: bytes, lang: Lang, ip: str, loop: asyncio.AbstractEventLoop, opened: list[Relay]) -> tuple[Relay, bool]:
    """Parse and send on one worker thread (one hand-over from the event loop, not two); the relay is also put
    in `opened`. A client whose quota is already spent is refused before its request is parsed."""
    ratelimit.refuse_spent(session=None, ip=ip)
    parsed = parse(raw, lang)
    reply = service.send(parsed.request, caller=service.Caller(ip=ip), tools="api")
    opened.append(Relay(reply, loop))
    return opened[0], parsed.send_reasoning


def _pump(opened: tuple[Relay, bool]) -> None:
    """Relay the reply on the thread that sent it: its first delta leaves as soon as it arrives."""
    opened[0].pump()


async def chat(request: Request) -> Response:
    """POST /api/chat."""
    lang = parse_accept_language(request.headers.get("accept-language"))
    address = client_address(request)
    ip: str | None = None
    try:
        check_token(request)
        ip = clientip.validate(address)
        relay, send_reasoning = await open_reply(request, ip)
    except ChatError as err:
        return error_response(err, lang, ip)
    except Exception:
        log.exception("POST /api/chat failed before the stream began")
        return error_response(ChatError(), lang, ip)
    context = relay.reply.context
    quota = context.quota if context is not None else None
    return EventStream(relay, lang, rate_headers(quota) if quota else {}, send_reasoning=send_reasoning)
