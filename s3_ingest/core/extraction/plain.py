"""Plain text and Markdown: decoded as they are, with a title from the first line or heading."""

from __future__ import annotations

import re

from .kinds import charset_of, code_language_of, kind_of
from .result import Extraction, indexed, with_properties
from .text import decode_text
from .titles import clean_title, first_line_title

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_FRONT_MATTER_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.IGNORECASE)


def extract_txt(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    text = decode_text(data, [charset_of(content_type)])
    return indexed(text, first_line_title(text), max_chars)


def extract_md(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    text = decode_text(data, [charset_of(content_type)])
    return indexed(text, markdown_title(text), max_chars)


def extract_family(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    """Config, markup, logs and code: plain text, with the kind recorded so searches can tell."""
    text = decode_text(data, [charset_of(content_type)])
    kind = kind_of(key, content_type)
    result = indexed(text, first_line_title(text), max_chars)
    return with_properties(result, {"kind": kind, "code_language": code_language_of(key)})


def markdown_title(text: str) -> str | None:
    """Front-matter `title:`, else the first level-1 heading, else the first heading of any level."""
    lines = text.split("\n")
    body_start = 0
    if lines and lines[0].strip() == "---":
        for index, line in enumerate(lines[1:], start=1):
            if line.strip() in ("---", "..."):
                body_start = index + 1
                break
            match = _FRONT_MATTER_TITLE.match(line)
            if match:
                title = clean_title(match.group(1).strip("\"'"))
                if title:
                    return title
    first_any: str | None = None
    in_fence = False
    previous = ""
    for line in lines[body_start:]:
        # `# comments` inside fenced code blocks are not headings.
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            match = _ATX_HEADING.match(line)
            if match:
                if len(match.group(1)) == 1:
                    return clean_title(match.group(2))
                first_any = first_any or clean_title(match.group(2))
            elif _SETEXT_H1.match(line) and previous.strip():
                return clean_title(previous)
        previous = "" if in_fence else line
    return first_any
