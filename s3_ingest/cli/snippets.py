"""Snippets as a person reads them in a terminal: plain text, the matched words marked.

The index marks each match as `[word]` inside the document's own text, which for Markdown is
full of brackets, `#`, `**` and link targets. Matches are set aside first (a marked token is
`[...]` with no bracket inside and no `(` after it, which a Markdown link has), the Markdown is
dropped, and the marks come back.
"""

from __future__ import annotations

import re

_MATCH = re.compile(r"\[([^\[\]\n]+)\](?!\()")
_LINK_TARGET = re.compile(r"\]\([^)\s]*\)?")
_MARKUP = re.compile(r"(?m)(^|\s|…)#{1,6}(?=\s)|\*\*|__|`+|(?<!\w)[-=*_]{3,}(?!\w)|\|")
_OPEN, _CLOSE = "\x01", "\x02"


def plain_snippet(snippet: str) -> str:
    text = _MATCH.sub(lambda m: f"{_OPEN}{m.group(1)}{_CLOSE}", snippet)
    text = _LINK_TARGET.sub("", text)
    text = text.replace("[", "").replace("]", "")
    text = _MARKUP.sub(lambda m: m.group(1) or " ", text)
    text = " ".join(text.split())
    return text.replace(_OPEN, "[").replace(_CLOSE, "]")
