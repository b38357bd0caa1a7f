"""Turning whatever a format offers as a title into a short, single line."""

from __future__ import annotations

import re

MAX_TITLE_CHARS = 200


def clean_title(raw: object) -> str | None:
    """Whitespace-collapsed, capped title, or None when nothing is left."""
    if not isinstance(raw, str):
        return None
    title = re.sub(r"\s+", " ", raw).strip()
    if not title:
        return None
    return title[:MAX_TITLE_CHARS].rstrip()


def first_line_title(text: str) -> str | None:
    """The first non-blank line of `text`."""
    for line in text.splitlines():
        if line.strip():
            return clean_title(line)
    return None
