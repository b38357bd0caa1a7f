"""PDF: the text of every page via pypdf, with the title from the document info."""

from __future__ import annotations

import io

from pypdf import PdfReader

from .result import Extraction, failed, indexed, metadata_only
from .titles import clean_title, first_line_title


def extract_pdf(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    # pypdf raises a zoo of exception types on malformed input (PdfReadError, KeyError,
    # ValueError, struct.error, ...), so every call into it is guarded broadly.
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return metadata_only("pdf extraction failed: encrypted")
        pages = reader.pages
        page_count = len(pages)
    except Exception as exc:
        return failed("pdf", exc)

    parts: list[str] = []
    size = 0
    first_error: Exception | None = None
    for number in range(page_count):
        # One broken page should not cost the text of the others.
        try:
            page_text = pages[number].extract_text() or ""
        except Exception as exc:
            first_error = first_error or exc
            parts.append("")  # an empty page keeps the later pages' numbers right
            continue
        parts.append(page_text)
        size += len(page_text) + 1
        if size >= max_chars:
            break
    # A form feed between pages: chunks cite their page by it (core/retrieval/sections.py).
    text = "\n\f".join(parts)
    if not text.strip() and first_error is not None:
        return failed("pdf", first_error)
    return indexed(text, _info_title(reader) or first_line_title(text), max_chars)


def _info_title(reader: PdfReader) -> str | None:
    try:
        info = reader.metadata
        return clean_title(str(info.title)) if info is not None and info.title else None
    except Exception:  # a damaged info dictionary only costs the title
        return None
