"""The attachments' sentences in words: sizes in MB, page lists, what a file's bytes look like, the "or switch to …"
tail. Their tables are in :mod:`chat.text.attachments`; parameters stay numbers, names and ids (so a stored refusal
renders again in any language), and `render` turns them into words for one language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chat.text import Lang, Sentence, megabytes, t
from chat.tokens import compact

MEGABYTES = frozenset({"size", "limit"})
"""Parameters of attachment sentences that are byte counts."""
TOKEN_COUNTS = frozenset({"tokens", "budget"})
"""Parameters that are token counts, written short ('8.5k')."""


def looks(look: str, lang: Lang = "en") -> str:
    """What a file's bytes look like, from its id ('zip', 'png', 'text', …)."""
    return t(f"att.looks.{look}", lang)


def page_list(pages: tuple[int, ...], lang: Lang = "en") -> str:
    """'page 2', 'pages 2, 3, 5' or 'pages 1, …, 10 and 4 more' in `lang`."""
    shown = ", ".join(str(p) for p in pages[:10])
    if len(pages) > 10:
        shown = t("att.pages_more", lang, pages=shown, more=len(pages) - 10)
    return t("att.page_one" if len(pages) == 1 else "att.page_many", lang, pages=shown)


def _word(name: str, value: Any, lang: Lang) -> Any:
    """One parameter of an attachment sentence as words in `lang`."""
    if name in MEGABYTES and isinstance(value, int):
        return megabytes(value, lang)
    if name == "looks" and isinstance(value, str):
        return looks(value, lang)
    if name == "pages" and isinstance(value, tuple | list):
        return page_list(tuple(value), lang)
    if name in TOKEN_COUNTS and isinstance(value, int):
        return compact(value, lang)
    if name == "page" or name.endswith("_page"):
        return str(value)  # a page number is a label: never '1,500'
    if name == "switch":
        return t("att.pf.switch", lang, model=value) if value else ""
    return value


def render(key: str, lang: Lang = "en", params: Mapping[str, Any] | None = None) -> str:
    """Attachment sentence `key` in `lang`, its parameters turned into words for that language."""
    return t(key, lang, **{name: _word(name, value, lang) for name, value in (params or {}).items()})


class Note(Sentence):
    """An attachment's note or reason: a `Sentence` whose sizes, page lists and looks are written as words."""

    def __new__(cls, key: str, /, **params: Any) -> Note:
        note = str.__new__(cls, render(key, "en", params))
        note.key = key
        note.params = dict(params)
        return note

    def text(self, lang: Lang = "en") -> str:
        """The note in `lang`."""
        return render(self.key, lang, self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_note, (self.key, tuple(self.params.items())))


def _note(key: str, params: tuple[tuple[str, Any], ...]) -> Note:
    return Note(key, **dict(params))


def refusal_message(params: Mapping[str, Any], lang: Lang = "en") -> str | None:
    """'{name}: {reason}' in `lang` from a refusal's stored `params` (`ErrorInfo.params`); None if they are not
    a refusal's (no known "reason_key")."""
    from chat.text import has_sentence

    key = params.get("reason_key")
    if not isinstance(key, str) or not key.startswith("att.") or not has_sentence(key):
        return None
    reason_params = {k: v for k, v in params.items() if k not in ("name", "reason", "reason_key")}
    return t("error.attachment", lang, name=params.get("name", ""), reason=render(key, lang, reason_params))
