"""Markdown a model could write to make the visitor's browser call someone: one case per way, by name.

`case(name, base)` fills in a URL on `base` whose path names the case, so a collector server tells which case
leaked. The unit tests (tests/test_render.py) and Chromium (tests/test_browser_safety.py) share these.
`RAW_INERT` are the cases Streamlit itself renders inert (raw HTML, KaTeX, colours); the others fetch unless
`chat.render.safe_markdown` rewrites them (checked in Chromium: inline, reference, footnote, table, and every
case where Streamlit's parser finds code or an image in another place than markdown-it does).
"""

from __future__ import annotations

CASES: dict[str, str] = {
    # images in every Markdown form
    "inline": "Look: ![chart]({u})",
    "inline_title": '![chart]({u} "a title")',
    "angle": "![chart](<{u}?q=a b>)",
    "reference": "See ![chart][r].\n\n[r]: {u} 'title'",
    "collapsed": "![Chart][]\n\n[chart]: {u}",
    "shortcut": "![chart]\n\n[chart]: <{u}>",
    "nested_in_link": "[![badge]({u})](https://example.org/docs)",
    "image_in_alt": "![outer ![inner]({u}/inner)]({u})",
    "multiline_alt": "> ![a\n> b]({u})",
    "bang_bang": "!![x]({u})",
    "escaped_backslash": "\\\\![x]({u})",
    "in_table": "| a | b |\n|---|---|\n| ![t]({u}) | x \\| y |",
    "in_list": "- one\n- two ![l]({u})\n  1. three ![n]({u}/n)",
    "in_quote": "> quoted\n> ![q]({u})",
    "in_heading": "## Title ![h]({u}) ##",
    "in_setext": "Title ![s]({u})\n-----",
    "in_emphasis": "**bold ![b]({u}) bold** ~~gone ![g]({u}/g)~~",
    "crlf": "line\r\n![c]({u})\r\n",
    "html_entity": "&#33;[e]({u}) and !&#91;e]({u}/2)",
    "data_image": "![d](data:image/png;base64,iVBORw0KGgo=) ![s](data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org"
    "/2000/svg'%3E%3Cimage%20href='{u}'/%3E%3C/svg%3E)",
    "unterminated": "streaming ![x]({u}?d=secr",
    # where Streamlit's parser (micromark + GFM, math, directives) and markdown-it disagree about code
    "footnote": "text[^1]\n\n[^1]: ![fn]({u})",
    "footnote_indented": "x[^1]\n\n[^1]: note\n\n    ![fi]({u})",
    "math_code": "$a`b$ ![mc]({u}) `c$",
    "math_fence": "$x$\n\n$$\n```\n$$\n![mf]({u})\n```",
    "directive_attr": ':red[a]{{x="`"}} ![da]({u}) `',
    "directive_label": ":red[a`] ![dl]({u}) `",
    "autolink_literal": "www.example.com/`x ![al]({u}) `",
    "table_interrupt": "a `b\n| x | ![ti]({u}) ` |\n|---|---|",
    "container_directive": "a `b\n:::x\n![cd]({u}) `\n:::",
    # raw HTML, KaTeX, colours: inert in Streamlit even without the rewrite
    "html_img": '<img src="{u}"> <img src=x onerror="fetch(\'{u}/js\')">',
    "html_frames": '<iframe src="{u}"></iframe><object data="{u}/o"></object><embed src="{u}/e">',
    "html_media": '<video src="{u}" autoplay></video><audio src="{u}/a" autoplay></audio>'
    '<video><source src="{u}/s"></video>',
    "html_svg": '<svg><image href="{u}"/></svg>',
    "html_css": '<div style="background:url({u})">x</div><style>p{{background:url({u}/2)}}</style>'
    '<link rel="stylesheet" href="{u}/3">',
    "html_block": '<div>\n<img src="{u}">\n![in html]({u}/md)\n</div>',
    "katex": "$\\includegraphics{{{u}}}$ $\\href{{{u}/h}}{{y}}$ $\\url{{{u}/u}}$ "
    "$\\htmlStyle{{background:url({u}/s)}}{{y}}$\n\n$$\n\\includegraphics{{{u}/b}}\n$$",
    "colour": ':color[x]{{background="url({u})" foreground="url({u}/f)"}} :red[y] :blue-badge[z]',
    "directives": ':img{{src="{u}"}}\n\n::image{{src="{u}/leaf"}}\n\n:::div{{style="background:url({u}/c)"}}\nhi\n:::',
    "emoji": ":smile: :rocket: :material/home: :streamlit:",
}
RAW_INERT = {"html_img", "html_frames", "html_media", "html_svg", "html_css", "katex", "colour", "directives", "emoji"}
# Links the visitor may click, never fetched by themselves.
LINKS = "[a link]({u}/link) <{u}/autolink> {u}/bare"


def case(name: str, base: str) -> str:
    """The case's Markdown with its URLs on `base` (no trailing slash)."""
    return CASES[name].format(u=f"{base}/{name}")
