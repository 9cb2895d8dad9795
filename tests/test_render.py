"""chat.render.safe_markdown: model output that loads nothing by itself, with code, links and text kept."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from chat.render import JOINER, safe_markdown
from tests.markdown_cases import CASES, LINKS, RAW_INERT, case

BASE = "https://collector.example"
GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])
OPENER = re.compile(r"(?<!\\)(?:\\\\)*!\[")  # an `![` whose `!` is not escaped


def images(markdown: str) -> list[Token]:
    """Every image a CommonMark + GFM-tables parser finds, nested ones included."""
    found, stack = [], GFM.parse(markdown)
    while stack:
        tok = stack.pop()
        found += [tok] if tok.type == "image" else []
        stack += tok.children or []
    return found


def links(markdown: str) -> list[str]:
    found, stack = [], GFM.parse(markdown)
    while stack:
        tok = stack.pop()
        if tok.type == "link_open":
            found.append(str(tok.attrGet("href")))
        stack += tok.children or []
    return sorted(found)


# --- every case: nothing left that can open an image -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_case_keeps_an_image(name: str) -> None:
    out = safe_markdown(case(name, BASE))
    assert images(out) == []
    assert not OPENER.search(out.replace("\\\\", "")), out  # not even one Streamlit's parser could see
    assert safe_markdown(out) == out  # a second pass changes nothing


@pytest.mark.parametrize("name", sorted(RAW_INERT))
def test_what_streamlit_makes_inert_is_left_alone(name: str) -> None:
    text = case(name, BASE)
    assert safe_markdown(text) is text  # no `![`: the fast path, untouched


def test_links_stay_links() -> None:
    text = LINKS.format(u=BASE)
    assert safe_markdown(text) is text
    mixed = text + " ![x](https://img.example/x.png)"
    assert safe_markdown(mixed).startswith(text + " ")


# --- what an image becomes ---------------------------------------------------------------------------------------


def test_inline_image_becomes_a_link_that_shows_the_host() -> None:
    out = safe_markdown("Here: ![a chart](https://elsewhere.example/?d=secret%20data) done")
    assert out == r"Here: [🖼 image\: a chart \(elsewhere\.example\)](<https://elsewhere.example/?d=secret%20data>) done"
    assert links(out) == ["https://elsewhere.example/?d=secret%20data"]


@pytest.mark.parametrize(
    "text",
    [
        "![chart][r]\n\n[r]: https://elsewhere.example/c.png",
        '![chart][R]\n\n[r]: <https://elsewhere.example/c.png> "title"',
        "![chart][]\n\n[CHART]: https://elsewhere.example/c.png",
        "![chart]\n\n[chart]: https://elsewhere.example/c.png (title)",
        "[chart]: https://elsewhere.example/c.png\n\n![chart]",
        '![chart](https://elsewhere.example/c.png "title")',
        "![chart](<https://elsewhere.example/c.png>)",
        "![*chart*](https://elsewhere.example/c.png)",
    ],
)
def test_every_image_form_gives_the_same_placeholder(text: str) -> None:
    out = safe_markdown(text)
    assert r"[🖼 image\: chart \(elsewhere\.example\)](<https://elsewhere.example/c.png>)" in out


def test_reference_definitions_stay() -> None:
    out = safe_markdown("![x][r] and [y][r]\n\n[r]: https://e.example/a")
    assert out.endswith("\n\n[r]: https://e.example/a")
    assert links(out) == ["https://e.example/a", "https://e.example/a"]


def test_image_inside_a_link_becomes_text_and_the_link_stays() -> None:
    out = safe_markdown("[![build](https://ci.example/badge.svg)](https://ci.example/run)")
    assert out == r"[🖼 image\: build \(ci\.example\)](https://ci.example/run)"
    assert links(out) == ["https://ci.example/run"]


def test_spaces_and_brackets_in_the_source_are_encoded() -> None:
    out = safe_markdown(r"![x](<https://e.example/a b\>c(.png>)")
    assert images(out) == [] and links(out) == ["https://e.example/a%20b%3Ec(.png"]


@pytest.mark.parametrize(
    "text",
    ["![d](data:image/png;base64,iVBORw0KGgo=)", "![d](data:image/gif;base64,R0lGOD==)"],
)
def test_data_images_become_text(text: str) -> None:
    out = safe_markdown(text)
    assert out == r"🖼 image\: d \(embedded\, not shown\)"


def test_other_sources_are_text_that_names_the_scheme() -> None:
    assert safe_markdown("![s](data:image/svg+xml,%3Csvg%3E)") == r"🖼 image\: s \(embedded\, not shown\)"
    assert safe_markdown("![j](javascript:alert(1))") == r"🖼 image\: j \(javascript\:\)"
    assert safe_markdown("![f](file:///etc/passwd)") == r"🖼 image\: f \(file\:\)"


def test_relative_and_empty_sources_are_text() -> None:
    assert safe_markdown("![x](/media/a.png)") == r"🖼 image\: x \(relative link\, not loaded\)"
    assert safe_markdown("![x]()") == r"🖼 image\: x \(relative link\, not loaded\)"
    assert safe_markdown("![](https://e.example/a)") == r"[🖼 image \(e\.example\)](<https://e.example/a>)"


def test_alt_text_is_plain_short_and_escaped() -> None:
    out = safe_markdown("![**bold** `code` :red[x] $y$ <b>z</b> [l](u)](https://e.example/a)")
    assert out.startswith(r"[🖼 image\: bold code \:red\[x\] \$y\$ \<b\>z\<\/b\> l \(e\.example\)]")
    long = safe_markdown("![" + "word " * 40 + "](https://e.example/a)")
    assert "…" in long and len(long) < 200


def test_spanish() -> None:
    assert safe_markdown("![gato](https://e.example/g.png)", "es").startswith(r"[🖼 imagen\: gato \(e\.example\)]")
    assert "incrustada" in safe_markdown("![d](data:image/png;base64,AA==)", "es")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("> ![q](https://q.example/x)", r"> [🖼 image\: q \(q\.example\)](<https://q.example/x>)"),
        ("- ![l](https://l.example/x)", r"- [🖼 image\: l \(l\.example\)](<https://l.example/x>)"),
        ("1. a\n   ![n](https://n.example/x)", "1. a\n   [🖼 image\\: n \\(n\\.example\\)](<https://n.example/x>)"),
        ("# ![h](https://h.example/x) #", r"# [🖼 image\: h \(h\.example\)](<https://h.example/x>) #"),
        ("![s](https://s.example/x)\n===", "[🖼 image\\: s \\(s\\.example\\)](<https://s.example/x>)\n==="),
        (
            "| a |\n|---|\n| x ![t](https://t.example/x) |",
            "| a |\n|---|\n| x [🖼 image\\: t \\(t\\.example\\)](<https://t.example/x>) |",
        ),
        (
            "| ![a](https://a.example) | ![a](https://a.example) |\n|---|---|",
            r"| [🖼 image\: a \(a\.example\)](<https://a.example>) | [🖼 image\: a \(a\.example\)](<https://a.example>) |"
            "\n|---|---|",
        ),
        ("\t![tab](https://t.example)", "\t![tab](https://t.example)"),  # indented code
    ],
)
def test_images_in_containers_keep_the_container(text: str, expected: str) -> None:
    assert safe_markdown(text) == expected


def test_an_image_over_two_lines_in_a_quote() -> None:
    out = safe_markdown("> see ![a\n> b](https://e.example/x) now")
    assert out == r"> see [🖼 image\: a b \(e\.example\)](<https://e.example/x>) now"


def test_a_bang_before_an_image_does_not_make_a_new_one() -> None:
    out = safe_markdown("Wow!![x](https://e.example/a)")
    assert out == f"Wow!{JOINER}" + r"[🖼 image\: x \(e\.example\)](<https://e.example/a>)"


def test_escapes() -> None:
    assert safe_markdown(r"\![x](https://e.example/a)") == r"\![x](https://e.example/a)"  # already text
    assert safe_markdown(r"\\![x](https://e.example/a)").startswith(r"\\[🖼 image")
    assert safe_markdown("!\\[x](https://e.example/a)") == "!\\[x](https://e.example/a)"  # no `![` at all


def test_what_is_not_an_image_loses_only_its_bang() -> None:
    assert (
        safe_markdown("![x][missing] and ![x](https://e.example/a") == r"\![x][missing] and \![x](https://e.example/a"
    )
    assert safe_markdown("Hi![x]") == r"Hi\![x]"


def test_streaming_prefixes_never_hold_an_image() -> None:
    reply = "Here ![chart](https://elsewhere.example/c.png?d=abc) and ![r][ref]\n\n[ref]: https://e.example/r.png\n"
    for end in range(len(reply) + 1):
        out = safe_markdown(reply[:end])
        assert images(out) == [] and not OPENER.search(out.replace("\\\\", "")), reply[:end]


def test_crlf_is_read_as_newlines() -> None:
    assert (
        safe_markdown("a\r\n![x](https://e.example/a)\r\n")
        == "a\n[🖼 image\\: x \\(e\\.example\\)](<https://e.example/a>)\n"
    )


# --- code stays code ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "```markdown\n![x](https://e.example/a)\n```",
        "~~~\n![x][r]\n~~~\n\n[r]: https://e.example/r",
        "Write `![alt](https://e.example/a.png)` to show an image.",
        "``![x](https://e.example/a) ` ``",
        "- item\n\n      ![x](https://e.example/a)",
        "    ![x](https://e.example/a)",
        "> ```\n> ![x](https://e.example/a)\n> ```",
    ],
)
def test_images_in_code_stay_as_written(text: str) -> None:
    assert safe_markdown(text) == text


def test_code_and_images_together() -> None:
    text = "Use `![a](https://e.example/a)`:\n\n![a](https://e.example/a)\n\n```\n![b](https://e.example/b)\n```"
    out = safe_markdown(text)
    assert out == (
        "Use `![a](https://e.example/a)`:\n\n[🖼 image\\: a \\(e\\.example\\)](<https://e.example/a>)\n\n"
        "```\n![b](https://e.example/b)\n```"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Cost: $5.\n\n```\n![x](https://e.example/a)\n```",
        "{}\n\n`![x](https://e.example/a)`",
        "see x.com/`![x](https://e.example/a)`",
        "| `![x](https://e.example/a)` |\n|---|",
    ],
)
def test_code_where_streamlit_could_see_it_otherwise_gets_an_invisible_joiner(text: str) -> None:
    out = safe_markdown(text)
    assert out == text.replace("![", f"!{JOINER}[")


def test_html_is_left_as_text_and_markdown_images_in_it_lose_their_power() -> None:
    text = '<p>\n<img src="https://e.example/a">\n![x](https://e.example/b)\n</p>'
    assert safe_markdown(text) == text.replace("![", f"!{JOINER}[")
    inline = '<span title="![x](https://e.example/b)">t</span>'
    assert images(safe_markdown(inline)) == [] and "<span" in safe_markdown(inline)


# --- any text ----------------------------------------------------------------------------------------------------

PIECES = [
    "![", "](", ")", "[", "]", "]:", "![x](https://e.example/a)", "![x][r]", "[r]: https://e.example/r\n", "`",
    "``", "```\n", "\n", "\n\n", "> ", "- ", "1. ", "    ", "\t", "|", "\\", "!", "<", ">", "<img src=x>", "$",
    "{", "*", "_", "~~", "# ", "===\n", "a", " ", "https://e.example", "&#33;", '"t"', "<https://e.example/x>",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25))
def test_any_mix_of_markdown_pieces(pieces: list[str]) -> None:
    text = "".join(pieces)
    out = safe_markdown(text)
    assert images(out) == []
    assert safe_markdown(out) == out
    if "![" not in text:
        assert out is text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="![]()<>`\\ \n:ab/.", max_size=60))
def test_any_text(text: str) -> None:
    out = safe_markdown(text)
    assert images(out) == []
