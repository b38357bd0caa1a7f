"""How a typed query splits into parts, the same in every backend: "quoted phrases" (an
unbalanced quote runs to the end), a trailing `*` for a prefix, and bare words."""

import re
from collections.abc import Iterator

QUERY_TOKEN = re.compile(r'"([^"]*)"?(\*?)|([^\s"]+)')


def query_parts(query: str) -> Iterator[tuple[str, bool]]:
    """(text, is a prefix) for each part of `query`; parts with no letter or digit (`*`, `--`)
    are skipped, as no tokenizer indexes them."""
    for phrase, phrase_star, word in QUERY_TOKEN.findall(query.replace("\x00", " ")):
        if word:
            text, prefix = word.rstrip("*"), word.endswith("*")
        else:
            text, prefix = phrase, bool(phrase_star)
        if any(ch.isalnum() for ch in text):
            yield text, prefix
