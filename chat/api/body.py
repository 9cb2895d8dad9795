"""Reading the request body: capped before it is parsed, then JSON, then seed 004's request shape.

The cap (`MAX_BODY_BYTES`, 30 MiB: a 20 MiB attachment in base64 plus the rest) is checked against
`Content-Length` first and then while the body arrives, so an oversized upload is refused without being held in
memory. Malformed JSON is a 400 whose detail has `code: "invalid_json"` and the parser's reason.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request

from chat.api.envelope import BodyTooLarge, UnsupportedMediaType
from chat.api.request import Parsed, parse_request, validation_details
from chat.errors import InvalidRequest
from chat.text import Lang, t

MAX_BODY_BYTES = 30 * 1024 * 1024


def check_content_type(request: Request) -> None:
    """UnsupportedMediaType unless the body is declared as JSON (`application/json` or `...+json`).

    Requiring it also means a cross-site page cannot post to the API without a CORS preflight, which fails.
    """
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise UnsupportedMediaType()


def declared_length(request: Request) -> int | None:
    """The Content-Length header as a number, if present and readable."""
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body; BodyTooLarge as soon as it is known to exceed `limit`."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def invalid_json(reason: str, lang: Lang) -> InvalidRequest:
    """The 400 for a body that is not JSON."""
    message = t("api.malformed_json", lang, reason=reason)
    return InvalidRequest([{"code": "invalid_json", "path": [], "message": message}])


def decode_json(raw: bytes, lang: Lang) -> Any:
    """The decoded body; InvalidRequest (`invalid_json`) when it is not UTF-8 JSON."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError as e:
        raise invalid_json(f"not UTF-8 (byte {e.start})", lang) from None
    except json.JSONDecodeError as e:
        raise invalid_json(f"{e.msg} at line {e.lineno} column {e.colno}", lang) from None
    except RecursionError:
        raise invalid_json("nested too deeply", lang) from None
    except ValueError as e:  # NaN/Infinity, integers with too many digits
        raise invalid_json(str(e).partition(";")[0], lang) from None


def parse(raw: bytes, lang: Lang) -> Parsed:
    """Body bytes -> the parsed request; InvalidRequest with seed 004's details otherwise (NoKeyError: it names no
    model and the server has no key to pick one). Blocking: run off-loop."""
    data = decode_json(raw, lang)
    try:
        return parse_request(data)
    except ValidationError as e:
        raise InvalidRequest(validation_details(e, data, lang)) from None
    except RecursionError:
        raise invalid_json("nested too deeply", lang) from None
