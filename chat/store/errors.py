"""The store's user-facing errors (their sentences are in :mod:`chat.text.store`)."""

from __future__ import annotations

from typing import Any

from chat.errors import ChatError, RequestError
from chat.text import Lang, t


class ConversationNotFound(ChatError):
    """The conversation was deleted (or never existed) while someone was writing to it."""

    key = "error.not_found"
    status = 404


class InvalidImport(RequestError):
    """An imported file is not a valid Charla export; `reason_key` names the sentence that says why."""

    key = "error.import"

    def __init__(self, reason_key: str, **details: Any) -> None:
        self.reason_key = reason_key
        self.details = details
        super().__init__(reason=t(reason_key, "en", **details))

    def message(self, lang: Lang = "en") -> str:
        """The sentence for the user, reason included, in `lang`."""
        return t(self.key, lang, reason=t(self.reason_key, lang, **self.details))
