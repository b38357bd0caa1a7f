"""The value every extractor returns, and the few ways of building one."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

INDEXED = "indexed"
METADATA_ONLY = "metadata_only"

# Reasons end up in a single index column and in run logs, so they stay one short line.
_MAX_REASON_CHARS = 280
_MAX_ERROR_CHARS = 200


@dataclass(frozen=True)
class Extraction:
    """Text and title pulled from one object; `reason` says why there is no text.

    `properties` are what the format says about itself (author, created, page_count, kind, ...),
    short strings bound for the document's metadata; `truncated` there says which limit cut the
    text of an indexed document short.
    """

    status: str
    text: str | None
    title: str | None
    reason: str | None
    properties: dict[str, str] = field(default_factory=dict)


def metadata_only(reason: str) -> Extraction:
    """An object stored without text."""
    return Extraction(METADATA_ONLY, None, None, one_line(reason, _MAX_REASON_CHARS))


def failed(kind: str, exc: BaseException) -> Extraction:
    """An extractor that gave up on `exc`."""
    return metadata_only(f"{kind} extraction failed: {describe(exc)}")


def indexed(text: str, title: str | None, max_text_chars: int) -> Extraction:
    """Text found; falls back to metadata_only when it is blank."""
    text = storable(text)
    if not text.strip():
        return metadata_only("no text found")
    # Truncation is silent by contract (reason stays None): the head of a huge object is
    # still what a search should find it by.
    return Extraction(INDEXED, text[:max_text_chars], title and storable(title), None)


_MAX_PROPERTY_CHARS = 200


def with_properties(result: Extraction, properties: dict[str, object]) -> Extraction:
    """`result` with `properties` added: empty values dropped, each a short single line."""
    merged = dict(result.properties)
    for name, value in properties.items():
        if value is None or value == "":
            continue
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        text = one_line(storable(text), _MAX_PROPERTY_CHARS)
        if text:
            merged[name] = text
    return replace(result, properties=merged)


def storable(text: str) -> str:
    """`text` without the characters databases refuse.

    PDF and DOCX text can carry NULs (PostgreSQL rejects them in text columns) and lone
    surrogates (which cannot be encoded as UTF-8 at all).
    """
    return _UNSTORABLE.sub(_replace_unstorable, text)


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _replace_unstorable(match: re.Match[str]) -> str:
    return "" if match.group(0) == "\x00" else "\ufffd"


def describe(exc: BaseException) -> str:
    """`Type: message` of an exception, bounded and on one line."""
    message = str(exc)
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return one_line(text, _MAX_ERROR_CHARS)


def one_line(text: str, limit: int) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
