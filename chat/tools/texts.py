"""Helpers for the tools package's sentences (their table is :mod:`chat.text.tools`)."""

from __future__ import annotations

from typing import Any

from chat.text import Sentence


def sentence(key: str, **params: Any) -> Sentence:
    """The sentence `key` with `params`, rendered in any language with `.text(lang)`."""
    return Sentence(key, **params)


def seconds(value: float) -> str:
    """`30`, `0.5`: seconds as people write them."""
    return f"{value:g}"
