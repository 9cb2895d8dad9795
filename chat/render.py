"""Model output as Markdown that makes the browser fetch nothing by itself (OWASP LLM02).

`safe_markdown(text)` is what the pages hand to `st.markdown` for any text a model wrote (or a stored
conversation brought back). What Streamlit 1.67 does with the rest was checked in Chromium
(tests/test_browser_safety.py): raw HTML (`<img>`, `<iframe>`, `<video>`, `<svg>`, `style=…url()`) is shown as
text, links open in a new tab with `rel="noopener noreferrer"`, KaTeX is untrusted (`\\href`,
`\\includegraphics` show as red text), `:color[…]{background=…}` takes colours only, emoji shortcodes are
characters and `:material/…:` icons come from the page's own font. What remains is the Markdown image, which
the browser fetches at once: here every image becomes a link to it that shows the host, e.g.
`[🖼 image: chart (elsewhere.example)](https://elsewhere.example/c.png)` (plain text inside a link, or for a
source that is not http(s): `data:`, relative, `javascript:`…), and every other `![` that could still open one
(an unresolved reference, a footnote, half an image while it streams) has its `!` escaped.

markdown-it-py (CommonMark exact) finds the images, references included, and the code that must stay as it is;
images inside fenced code and code spans stay verbatim unless the text holds something Streamlit parses and
markdown-it does not (math `$`, directives `{`/`:x[`, footnotes `[^`, tables), which could move where code
starts: there a word joiner (U+2060, invisible) goes between `!` and `[`. Text without `![` is returned as it
is, so a streaming reply costs a substring test per redraw until it holds an image; one that does costs a
block parse plus the inline parse of the paragraphs with `![` (about 0.6 ms for 2,000 tokens: bench/render.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline, backtick, image
from markdown_it.token import Token

from chat.text import Lang, t

JOINER = "\u2060"  # WORD JOINER: invisible, and `!⁠[` opens no image in any Markdown parser
MAX_ALT = 80
# Constructs Streamlit's renderer knows and markdown-it does not, which can hold a backtick or a fence line:
# math, directive labels and attributes, container/leaf directives, footnote definitions.
_FOREIGN = re.compile(r"\$|\{|\[\^|::[A-Za-z]|:[A-Za-z][\w-]*\[")
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation, escaped in placeholder text
_KEY = "charla_render"


def _recording(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """`rule`, noting where each image or code span it makes starts and ends in the block's text."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        ok = rule(state, silent)
        seen = state.env.get(_KEY)
        if ok and not silent and len(state.tokens) > count and isinstance(seen, _Seen) and state.src is seen.text:
            token = state.tokens[-1]  # (an image's alt text is parsed from another string: not noted)
            if token.type == "image":
                links = sum(tok.nesting for tok in state.tokens if tok.type in ("link_open", "link_close"))
                seen.images.append((start, state.pos, token, links > 0))
            elif token.type == "code_inline":
                seen.code.append((start, state.pos))
        return ok

    return wrapped


class _Seen:
    """What the instrumented rules noted in one block's text (offsets into that text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.images: list[tuple[int, int, Token, bool]] = []  # start, end, token, inside a link
        self.code: list[tuple[int, int]] = []


class _Parser(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # noqa: N802
        """Any source: Streamlit's parser makes an image of `javascript:` or `data:image/svg+xml` too."""
        return True


def _parser() -> MarkdownIt:
    md = _Parser("commonmark", {"html": True}).enable(["table", "strikethrough"])  # GFM's, as Streamlit's
    md.inline.ruler.at("image", _recording(image))
    md.inline.ruler.at("backticks", _recording(backtick))
    return md


_MD = _parser()


def safe_markdown(text: str, lang: Lang = "en") -> str:
    """`text` as Markdown that loads no image or other resource when rendered by `st.markdown`.

    Images become links to their source that show its host (plain text inside a link, or when the source is not
    http(s)); links, code, HTML (shown as text by Streamlit) and everything else stay as they are.
    """
    if "![" not in text:
        return text
    return _rewrite(text, lang)


@lru_cache(maxsize=128)
def _rewrite(text: str, lang: Lang) -> str:
    return _Rewrite(text, lang).result()


_Refs = tuple[tuple[str, str, str], ...]  # a text's reference definitions: label, href, title
_Spans = tuple[tuple[int, int], ...]


@lru_cache(maxsize=1024)
def _scan(content: str, refs: _Refs, lang: Lang) -> tuple[_Spans, tuple[tuple[int, int, str], ...]]:
    """The code spans and images (with their placeholders) of one block's text, by offset in that text.

    Cached: while a reply streams, only its last paragraph is new at each redraw.
    """
    seen = _Seen(content)
    references = {label: {"href": href, "title": title} for label, href, title in refs}
    env: dict[str, Any] = {_KEY: seen, "references": references}
    _MD.inline.parse(content, _MD, env, [])
    images = tuple((start, end, _placeholder(token, in_link, lang)) for start, end, token, in_link in seen.images)
    return tuple(seen.code), images


class _Rewrite:
    """One pass over a text: placeholders for the images markdown-it finds, then the sweep of every `![`."""

    def __init__(self, text: str, lang: Lang) -> None:
        self.src = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")  # as markdown-it reads
        self.lang = lang
        self.starts = [0, *(m.end() for m in re.finditer("\n", self.src))]
        if self.starts[-1] != len(self.src):
            self.starts.append(len(self.src))
        self.foreign = _FOREIGN.search(self.src) is not None
        self.edits: dict[int, tuple[int, str]] = {}  # start -> (end, replacement)
        self.code: list[tuple[int, int, bool]] = []  # start, end, verbatim: where `![` is text, not an image
        self.cursors: dict[int, int] = {}  # table row line -> where its next cell is searched

    def result(self) -> str:
        env: dict[str, Any] = {}
        tokens: list[Token] = []
        _MD.block.parse(self.src, _MD, env, tokens)
        refs = tuple(sorted((k, v["href"], v["title"]) for k, v in env.get("references", {}).items()))
        for i, tok in enumerate(tokens):
            if tok.map is None:
                continue
            if tok.type in ("fence", "code_block", "html_block"):
                start, end = self.starts[tok.map[0]], self.starts[min(tok.map[1], len(self.starts) - 1)]
                if "![" in self.src[start:end]:
                    self.code.append((start, end, tok.type != "html_block" and not self.foreign))
            elif tok.type == "inline":
                self._inline(tok, tokens[i - 1], refs)
        self._sweep()
        out, last = [], 0
        for start in sorted(self.edits):
            end, replacement = self.edits[start]
            out += [self.src[last:start], replacement]
            last = end
        out.append(self.src[last:])
        return "".join(out)

    def _inline(self, tok: Token, opener: Token, refs: _Refs) -> None:
        assert tok.map is not None
        cell = opener.type in ("th_open", "td_open")
        if cell:  # every cell moves the row's search on, so that equal cells are told apart
            where = _locate_cell(self.src, self.starts, tok.content, tok.map[0], self.cursors)
        elif "![" in tok.content:
            where = _locate(self.src, self.starts, tok, opener)
        if "![" not in tok.content or where is None:
            return  # not located: the sweep still escapes every `![` in it
        code, images = _scan(tok.content, refs, self.lang)
        src, verbatim = self.src, not (self.foreign or cell or "|" in tok.content)
        for c_start, c_end in code:
            start, end = where(c_start), where(c_end - 1) + 1
            if src[start] == "`" == src[end - 1] and "![" in src[start:end]:
                self.code.append((start, end, verbatim and _quiet_before(src, start)))
        for c_start, c_end, placeholder in images:
            start, end = where(c_start), where(c_end - 1) + 1
            if src.startswith("![", start) and src[end - 1] == tok.content[c_end - 1]:
                joiner = JOINER if start and src[start - 1] == "!" else ""  # `!` + `[link]` must not open one
                self.edits[start] = (end, joiner + placeholder)

    def _sweep(self) -> None:
        """Every `![` that is not in a placeholder or in verbatim code loses its power to open an image."""
        src = self.src
        replaced = sorted((start, end) for start, (end, _) in self.edits.items())
        pos = src.find("![")
        while pos >= 0:
            k = bisect_right(replaced, (pos, len(src))) - 1
            if k < 0 or replaced[k][1] <= pos:
                inside = [verbatim for start, end, verbatim in self.code if start <= pos < end]
                if inside and not all(inside):
                    self.edits[pos + 1] = (pos + 1, JOINER)  # code, or HTML shown as text: invisible there
                elif not inside and (pos - len(src[:pos].rstrip("\\"))) % 2 == 0:  # an odd run escapes it
                    self.edits[pos] = (pos, "\\")
            pos = src.find("![", pos + 1)


def _quiet_before(src: str, start: int) -> bool:
    """No GFM autolink literal (www., scheme:, e-mail) runs into the backtick at `start` and swallows it."""
    i = start
    while i > 0 and not src[i - 1].isspace():
        i -= 1
    return not any(ch in src[i:start] for ch in ".:@")


def _locate(src: str, starts: list[int], tok: Token, opener: Token) -> Callable[[int], int] | None:
    """Map offsets in a paragraph's or heading's text to offsets in `src`; None if its lines do not match.

    markdown-it takes each line of a block's text from the end of a source line (after `>`, list markers,
    indentation), then strips the whole; an ATX heading's text sits after its `#` run.
    """
    assert tok.map is not None
    first = tok.map[0]
    segments: list[tuple[int, int]] = []  # (offset in the text, offset in src) where equal runs begin
    offset = 0
    for k, part in enumerate(tok.content.split("\n")):
        if first + k + 1 >= len(starts):
            return None
        line = src[starts[first + k] : starts[first + k + 1]].removesuffix("\n")
        body = part.lstrip()
        if opener.type == "heading_open" and opener.markup.startswith("#"):
            at = line.find(body, line.find("#") + len(opener.markup))
        elif line.endswith(body):
            at = len(line) - len(body)
        elif line.rstrip().endswith(body):
            at = len(line.rstrip()) - len(body)
        else:
            return None
        if at < 0:
            return None
        segments.append((offset + len(part) - len(body), starts[first + k] + at))
        offset += len(part) + 1
    return _mapper(segments)


def _locate_cell(
    src: str, starts: list[int], content: str, row: int, cursors: dict[int, int]
) -> Callable[[int], int] | None:
    """A table cell, searched after the row's previous cell; `\\|` in the source is `|` in the cell's text."""
    if row + 1 >= len(starts) or not content:
        return None
    end = starts[row + 1]
    j = src.find("\\|" if content[0] == "|" else content[0], cursors.get(row, starts[row]), end)
    if j < 0:
        return None
    segments: list[tuple[int, int]] = []
    for i, ch in enumerate(content):
        if ch == "|" and src.startswith("\\|", j):
            j += 1
            segments.append((i, j))
        elif not segments:
            segments.append((i, j))
        if j >= end or src[j] != ch:
            return None
        j += 1
    cursors[row] = j
    return _mapper(segments)


def _mapper(segments: list[tuple[int, int]]) -> Callable[[int], int]:
    keys = [c for c, _ in segments]

    def where(offset: int) -> int:
        c, s = segments[max(0, bisect_right(keys, offset) - 1)]
        return s + offset - c

    return where


def _alt(tokens: list[Token] | None) -> str:
    """An image's alt text with its markup stripped, as CommonMark renders `alt`."""
    out = []
    for tok in tokens or []:
        if tok.type in ("text", "code_inline", "html_inline"):
            out.append(tok.content)
        elif tok.type == "image":
            out.append(_alt(tok.children))
        elif tok.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def _placeholder(token: Token, in_link: bool, lang: Lang) -> str:
    """The Markdown that stands for one image: a link to its source, or plain text inside a link."""
    source = str(token.attrGet("src") or "")
    alt = " ".join(_alt(token.children).split())
    if len(alt) > MAX_ALT:
        alt = alt[: MAX_ALT - 1] + "…"
    try:
        parts = urlsplit(source)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:
        scheme, host = "", None
    if scheme == "data":
        where = t("render.data", lang)
    else:
        where = host or (scheme + ":" if scheme else t("render.relative", lang))
    label = t("render.image", lang, alt=alt, where=where) if alt else t("render.image_no_alt", lang, where=where)
    label = _PUNCT.sub(r"\\\1", label)
    if in_link or not host or scheme not in ("http", "https"):
        return label
    destination = source.replace("\\", "%5C")  # markdown-it has percent-encoded spaces, `<` and `>` already
    return f"[{label}](<{destination}>)"
