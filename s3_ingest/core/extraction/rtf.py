"""RTF: text via striprtf, with title and author from the {\\info} group."""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from .html import normalise_whitespace
from .result import Extraction, indexed, with_properties
from .titles import clean_title

_INFO_FIELD = re.compile(r"\{\\(title|author|subject)\s+([^{}\\]{1,500})\}")


def extract_rtf(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    # RTF is 7-bit ASCII with escapes for everything else; latin-1 maps any stray byte 1:1.
    source = data.decode("latin-1")
    info = {name: value.strip() for name, value in _INFO_FIELD.findall(source[:65_536])}
    text = normalise_whitespace(rtf_to_text(source, errors="replace"))
    result = indexed(text, clean_title(info.get("title")), max_chars)
    return with_properties(result, {"author": info.get("author")})
