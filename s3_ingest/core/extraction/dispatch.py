"""`extract`: route an object to its extractor and turn every failure into a reason."""

from __future__ import annotations

from collections.abc import Callable

from .docx import extract_docx
from .html import extract_html
from .kinds import describe_type, kind_of
from .pdf import extract_pdf
from .plain import extract_md, extract_txt
from .result import Extraction, failed, metadata_only
from .tabular import extract_csv, extract_json
from .text import BinaryContent

Extractor = Callable[[bytes, str, str | None, int], Extraction]

_EXTRACTORS: dict[str, Extractor] = {
    "txt": extract_txt,
    "md": extract_md,
    "html": extract_html,
    "json": extract_json,
    "csv": extract_csv,
    "pdf": extract_pdf,
    "docx": extract_docx,
}


def extract(
    data: bytes,
    key: str,
    content_type: str | None = None,
    *,
    max_text_chars: int = 5_000_000,
) -> Extraction:
    """Text and title of one object. Never raises for bad content: it becomes metadata_only."""
    if max_text_chars < 1:
        raise ValueError(f"max_text_chars must be positive, got {max_text_chars}")
    kind = kind_of(key, content_type)
    if kind is None:
        return metadata_only(f"unsupported type: {describe_type(key, content_type)}")
    try:
        return _EXTRACTORS[kind](bytes(data), key, content_type, max_text_chars)
    except BinaryContent:
        return metadata_only("binary content behind a text extension")
    except Exception as exc:  # hostile input must not fail the run; the reason records it
        return failed(kind, exc)
