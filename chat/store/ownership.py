"""Which conversations belong to which browser, on a deployment strangers share.

A browser proves ownership with a random secret it keeps (`new_owner_secret()`, 256 bits); the store keeps
only `owner_id(secret)`, its sha256, so a stolen database does not hand out the secrets, and a conversation id
alone (in a shared link) shows nothing to another browser when queries filter by owner.
"""

from __future__ import annotations

import hashlib
import re
import secrets

MIN_SECRET_CHARS = 22
"""A secret shorter than this (< ~128 bits of urlsafe base64) is refused: it could be guessed."""
_SECRET = re.compile(r"[A-Za-z0-9_-]+")


def new_owner_secret() -> str:
    """A fresh owner secret for a browser that has none (urlsafe, 43 characters)."""
    return secrets.token_urlsafe(32)


def is_owner_secret(secret: str | None) -> bool:
    """True if `secret` looks like one `new_owner_secret()` made (long enough, urlsafe characters only)."""
    return bool(secret) and len(secret or "") >= MIN_SECRET_CHARS and bool(_SECRET.fullmatch(secret or ""))


def owner_id(secret: str) -> str:
    """The owner the store keeps for `secret`: its sha256, hex. ValueError for a short or malformed secret."""
    if not is_owner_secret(secret):
        raise ValueError("an owner secret must be at least 22 urlsafe characters; make one with new_owner_secret()")
    return hashlib.sha256(secret.encode("ascii")).hexdigest()
