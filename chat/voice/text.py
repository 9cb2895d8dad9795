"""A reply as it should sound: Markdown markup, code, URLs and reasoning left out; split into requests.

Nothing here is read out that a listener could not follow: fenced code blocks, inline code that looks like code
(kept when it is a plain word), URLs (a link keeps its text), images, HTML tags, tables' rules, `<think>`
sections and LaTeX blocks. Square brackets become parentheses, because Groq's Orpheus reads `[cheerful]` as a
direction, not as words. Indented (four-space) code blocks are not recognised: models fence their code.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.S | re.M)
_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_MATH_BLOCK = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]", re.S)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_LINK_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
_FOOTNOTE = re.compile(r"\[\^[^\]]+\]")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>", re.I)
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>()\]]+[^\s<>()\].,;:!?'\"]", re.I)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_HEADING = re.compile(r"^ {0,3}#{1,6}\s*(.*?)\s*#*\s*$", re.M)
_QUOTE = re.compile(r"^ {0,3}>\s?", re.M)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?", re.M)
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$|^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$", re.M)
_EMPHASIS = re.compile(r"(?<![\w*~])(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1(?![\w*~])")
_CODE_SYMBOLS = re.compile(r"[{};=<>$\\|]|\s\S+\s")
_BLOCK = "\x00"
"""Marks a line that starts a block of its own (a heading, a list item): the line before it ends a sentence."""
_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+")


def _inline_code(match: re.Match[str]) -> str:
    """A name (`pip`, `st.audio`, `transcribe()`) is read; a statement or expression is not."""
    body = match.group(2).strip()
    return body if len(body) <= 30 and not _CODE_SYMBOLS.search(body) else ""


def _sentences(lines: list[str]) -> str:
    """Lines joined into one text; a line that ends a block (a heading, an item, a paragraph) gets a full stop."""
    kept = [re.sub(r"\s+", " ", line.replace("|", ", ")).strip(" ,\t") for line in lines]
    kept = [line if re.search(r"\w", line) else "" for line in kept]
    out: list[str] = []
    for line, following in zip(kept, [*kept[1:], ""], strict=True):
        line = line.lstrip(_BLOCK + " ")
        if not line:
            continue
        block_ends = not following or following.startswith(_BLOCK) or not following[:1].islower()
        out.append(line + "." if block_ends and line[-1] not in ".!?…:;," else line)
    return re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(out))


def speakable(text: str) -> str:
    """`text` (Markdown) as plain sentences to read aloud; "" when nothing is left to read."""
    for pattern in (_FENCE, _THINK, _MATH_BLOCK, _IMAGE, _LINK_DEF, _FOOTNOTE, _AUTOLINK):
        text = pattern.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _TAG.sub(" ", text)
    text = _INLINE_CODE.sub(_inline_code, text)
    text = _RULE.sub("", text)
    text = _HEADING.sub(_BLOCK + r"\1", text)
    text = _QUOTE.sub("", text)
    text = _BULLET.sub(_BLOCK, text)
    for _ in range(2):  # nested emphasis: ***a*** or **_a_**
        text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("[", "(").replace("]", ")").replace("`", "")
    return _sentences(text.splitlines())


def split_text(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, split after sentences, else after commas, else at spaces."""
    pieces: list[str] = []
    current = ""
    for part in _parts(text, limit):
        if current and len(current) + 1 + len(part) > limit:
            pieces.append(current)
            current = part
        else:
            current = f"{current} {part}" if current else part
    if current:
        pieces.append(current)
    return pieces


def _parts(text: str, limit: int) -> list[str]:
    """Sentences, each at most `limit` characters (a longer one is split at commas, then at spaces)."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if len(sentence) <= limit:
            out.append(sentence)
            continue
        for clause in re.split(r"(?<=[,)])\s+", sentence):
            out.extend(_words(clause, limit) if len(clause) > limit else [clause])
    return [p for p in out if p]


def _words(text: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:  # one "word" longer than a request: cut it
            out.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*out, current] if current else out


_ES_WORDS = frozenset(
    "el la los las de que y en un una por con para es está se lo como más pero sus le ya o "
    "este esta sí porque muy sin sobre también hay puede donde cuando".split()
)
_EN_WORDS = frozenset(
    "the of and to in is that for it as with was on be by this are or not you your can "
    "from have an will which there if".split()
)


def guess_language(text: str, default: str = "en") -> str:
    """'es' or 'en' for a reply, from its common words and Spanish marks (¿ ¡ ñ); `default` when unsure.

    Enough to pick a voice: a Spanish reply on an English page should be read by a Spanish voice.
    """
    words = re.findall(r"[a-záéíóúüñ]+", text.lower())
    spanish = sum(w in _ES_WORDS for w in words) + 3 * sum(text.count(c) for c in "¿¡ñÑ")
    english = sum(w in _EN_WORDS for w in words)
    if spanish > 1.5 * english and spanish >= 2:
        return "es"
    if english > 1.5 * spanish and english >= 2:
        return "en"
    return default
