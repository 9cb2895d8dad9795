"""Every user-facing sentence, in English and Spanish, through one function: `t(key, lang, **params)`.

The sentences live in plain tables, one module per part of Charla (`TABLES`); `t` reads them all the first time it
is called, so importing a table registers nothing. An entry is `{"en": …, "es": …}`, and a language's text may be
split by CLDR plural category (`{"one": …, "other": …}`, chosen by the `count` parameter). Numbers in the
parameters are written for the language by Babel (CLDR): `1,000` and `0.3` in English, `1000`, `10.000` and `0,3`
in Spanish. A missing Spanish sentence falls back to English; a missing key is a bug and raises.

A `Sentence` is a sentence kept unrendered (its key and parameters): it is its English text, and `.text(lang)`
renders it in any language. Errors, notes and refusals are stored that way, so a page reopened in Spanish says them in
Spanish.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.numbers import format_decimal

Lang = Literal["en", "es"]
Table = dict[str, dict[str, str | dict[str, str]]]
"""A table of sentences: key -> language -> text, or -> CLDR plural category -> text."""
LANGS: tuple[Lang, ...] = ("en", "es")
TABLES = (
    "chat.text.core",
    "chat.text.ui",
    "chat.text.attachments",
    "chat.text.store",
    "chat.text.voice",
    "chat.text.tools",
)
"""The modules holding sentence tables (each a `TEXT` dict); more parts of Charla add theirs here."""

MIN_GROUPING_DIGITS = {"en": 1, "es": 2}
"""CLDR's minimumGroupingDigits, which Babel does not apply: Spanish groups 10.000 but not 1000."""


@cache
def catalog() -> Table:
    """Every table merged (read once)."""
    merged: Table = {}
    for name in TABLES:
        table: Table = importlib.import_module(name).TEXT
        clash = set(merged) & set(table)
        if clash:
            raise ValueError(f"{name} defines sentences already defined: {sorted(clash)}")
        merged.update(table)
    return merged


def number(value: float, lang: Lang = "en", *, digits: int | None = None) -> str:
    """`value` written for `lang`: '12,345.5' in English, '12.345,5' in Spanish (and '1000', not '1.000')."""
    if not abs(value) < 1e15:  # inf, nan, or beyond what a person reads as a number (and Babel's 28-digit context)
        return f"{value:g}" if isinstance(value, float) else str(value)
    fraction = "" if isinstance(value, int) else "." + "0" * digits if digits else ".###" if digits is None else ""
    grouped = abs(value) >= 10 ** (3 + MIN_GROUPING_DIGITS[lang] - 1)
    return format_decimal(value, format="#,##0" + fraction, locale=lang, group_separator=grouped)


def moment(value: datetime, zone: str | None = None) -> str:
    """'2026-12-03 09:05 EST': `value` in the reader's time zone (an IANA name, as the browser reports it), which the
    text names; in UTC, named so, when the zone is unknown (none given, or one this machine's zone data lacks).

    A hosted server's own zone says nothing to a visitor elsewhere, so it is never used.
    """
    try:
        where = ZoneInfo(zone) if zone else UTC
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: not a zone name at all ("../x", "")
        where = UTC
    local = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return local.astimezone(where).strftime("%Y-%m-%d %H:%M %Z")


def megabytes(size: int, lang: Lang = "en") -> str:
    """'3.4 MB' (English) or '3,4 MB' (Spanish) for a byte count."""
    return f"{number(size / 1_048_576, lang, digits=1)} MB"


def words(value: Any, lang: Lang) -> Any:
    """A parameter as it is written in `lang`: numbers by CLDR, sentences rendered, the rest as it is."""
    if isinstance(value, Sentence):
        return value.text(lang)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value, lang)
    return value


def t(key: str, lang: Lang = "en", **params: Any) -> str:
    """Sentence `key` in `lang` (English when there is no Spanish), its parameters written for that language."""
    entry = catalog()[key]
    template = entry.get(lang) or entry["en"]
    if isinstance(template, dict):
        template = template.get(Locale.parse(lang).plural_form(params.get("count", 0))) or template["other"]
    return template.format(**{k: words(v, lang) for k, v in params.items()}) if params else template


class Sentence(str):
    """A sentence kept unrendered: it *is* its English text; `.text(lang)` renders it in any language.

    ``Sentence("att.note.rotated") == "rotated upright"``; ``Sentence("att.note.rotated").text("es")``.
    """

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Sentence:
        sentence = super().__new__(cls, t(key, "en", **params))
        sentence.key = key
        sentence.params = dict(params)
        return sentence

    def text(self, lang: Lang = "en") -> str:
        """The sentence in `lang`."""
        return t(self.key, lang, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_sentence, (self.key, tuple(self.params.items())))


def _sentence(key: str, params: tuple[tuple[str, Any], ...]) -> Sentence:
    return Sentence(key, **dict(params))


def text_in(value: str, lang: Lang = "en") -> str:
    """`value` in `lang` when it is a Sentence, else as it is (a plain string has no other language)."""
    return value.text(lang) if isinstance(value, Sentence) else value


def parse_accept_language(header: str | None) -> Lang:
    """'es' when the header prefers Spanish over English, else 'en' (q-values honoured)."""
    best: tuple[float, Lang] = (0.0, "en")
    for position, item in enumerate((header or "").split(",")):
        tag, _, q = item.strip().partition(";q=")
        lang = tag.strip().lower().split("-")[0]
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        weight -= position * 1e-6  # earlier wins a tie
        if lang in LANGS and weight > best[0]:
            best = (weight, "es" if lang == "es" else "en")
    return best[1]


def has_sentence(key: str) -> bool:
    """Whether `key` names a sentence."""
    return key in catalog()


def rendered(params: Mapping[str, Any], lang: Lang) -> dict[str, Any]:
    """`params` written for `lang` (see `words`)."""
    return {k: words(v, lang) for k, v in params.items()}
