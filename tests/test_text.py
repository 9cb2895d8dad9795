"""One catalogue of sentences: every table read by `t`, nothing registered by importing, CLDR numbers and plurals."""

from __future__ import annotations

import importlib
import string
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from chat.text import TABLES, Sentence, catalog, megabytes, moment, number, t
from tests.conftest import REPO


def fields(text: str | dict[str, str]) -> set[str]:
    forms = text.values() if isinstance(text, dict) else [text]
    return {f for form in forms for _, f, _, _ in string.Formatter().parse(form) if f}


@pytest.mark.parametrize("key", sorted(catalog()))
def test_every_sentence_is_in_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = catalog()[key]
    assert set(entry) == {"en", "es"}, key
    assert fields(entry["en"]) == fields(entry["es"])
    for form in (entry["en"], entry["es"]):
        if isinstance(form, dict):
            assert "other" in form and set(form) <= {"zero", "one", "two", "few", "many", "other"}


def test_no_key_is_defined_twice() -> None:
    keys = [k for name in TABLES for k in importlib.import_module(name).TEXT]
    assert len(keys) == len(set(keys))


def test_importing_registers_nothing() -> None:
    code = (
        "import chat.text, chat.text.ui, chat.attachments, chat.store;"
        "assert chat.text.catalog.cache_info().currsize == 0, 'read at import'"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    ("value", "en", "es"),
    [
        (5, "5", "5"),
        (1000, "1,000", "1000"),
        (4900, "4,900", "4900"),
        (12345, "12,345", "12.345"),
        (0.3, "0.3", "0,3"),
        (131_072, "131,072", "131.072"),
    ],
)
def test_numbers_follow_cldr(value: float, en: str, es: str) -> None:
    assert (number(value, "en"), number(value, "es")) == (en, es)


def test_sizes_and_plurals() -> None:
    assert megabytes(3_565_158, "en") == "3.4 MB" and megabytes(3_565_158, "es") == "3,4 MB"
    assert t("att.chip.pages", "en", count=1) == "1 page" and t("att.chip.pages", "en", count=12) == "12 pages"
    assert t("att.chip.pages", "es", count=1) == "1 página" and t("att.chip.pages", "es", count=0) == "0 páginas"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("America/New_York", "2026-12-03 09:05 EST"),
        ("Europe/Madrid", "2026-12-03 15:05 CET"),
        ("Asia/Kolkata", "2026-12-03 19:35 IST"),
        (None, "2026-12-03 14:05 UTC"),  # the browser did not say
        ("Mars/Olympus_Mons", "2026-12-03 14:05 UTC"),  # a zone this machine does not know
        ("../../etc/passwd", "2026-12-03 14:05 UTC"),  # not a zone name
    ],
)
def test_a_moment_reads_in_the_readers_zone_and_names_it(zone: str | None, expected: str) -> None:
    assert moment(datetime(2026, 12, 3, 14, 5, tzinfo=UTC), zone) == expected


def test_a_moment_follows_summer_time_and_takes_a_naive_time_as_utc() -> None:
    assert moment(datetime(2026, 7, 3, 14, 5, tzinfo=UTC), "Europe/Madrid") == "2026-07-03 16:05 CEST"
    assert moment(datetime(2026, 7, 3, 14, 5), "Europe/Madrid") == "2026-07-03 16:05 CEST"


def test_a_sentence_is_its_english_and_renders_in_spanish() -> None:
    sentence = Sentence("error.rate_limited", seconds=12, limit=20)
    assert sentence == "You have reached the limit of 20 messages. Try again in 12 s."
    assert sentence.text("es").startswith("Has alcanzado el límite de 20 mensajes")
