"""The pages use Charla only through what `chat/__init__.py` exports, and that list is held here."""

from __future__ import annotations

import ast
from pathlib import Path

import chat

PAGES = Path(__file__).resolve().parents[1] / "pages"


def test_exported_members() -> None:
    assert chat.__all__ == sorted(chat.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    assert set(chat.__all__) == set(chat._WHERE)  # each name is loaded on first use, from one place
    for name in chat.__all__:
        assert getattr(chat, name) is not None


def test_pages_import_only_what_chat_exports() -> None:
    for path in PAGES.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "chat":
                assert node.module == "chat", f"{path.name} imports {node.module}: use what chat exports"
                missing = {a.name for a in node.names} - set(chat.__all__)
                assert not missing, f"{path.name} imports {missing}, which chat does not export"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("chat.") for a in node.names), path.name
