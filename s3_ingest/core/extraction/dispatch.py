"""`extract`: route an object to its extractor and turn every failure into a reason."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .detect import detect_kind
from .result import Extraction, failed, metadata_only
from .text import BinaryContent
from .text_families import TEXT_FAMILIES

Extractor = Callable[[bytes, str, str | None, int], Extraction]

# Each parser is imported when its kind is first met, not with this module: the process that
# runs the sync parses only text, Markdown, HTML, JSON and CSV itself (pdf, the office formats
# and XML go to the sandbox's workers, which import only what they meet), so it need not carry
# openpyxl, pypdf, python-pptx and the rest - about 50 MB and 0.8 s of imports.
_EXTRACTORS: dict[str, Extractor | str] = {
    "txt": "plain:extract_txt",
    "md": "plain:extract_md",
    "html": "html:extract_html",
    "json": "tabular:extract_json",
    "csv": "tabular:extract_csv",
    "pdf": "pdf:extract_pdf",
    "docx": "docx:extract_docx",
    "pptx": "presentation:extract_pptx",
    "xlsx": "spreadsheet:extract_xlsx",
    "xls": "spreadsheet:extract_xls",
    "epub": "epub:extract_epub",
    "odt": "opendocument:extract_opendocument",
    "ods": "opendocument:extract_opendocument",
    "odp": "opendocument:extract_opendocument",
    "rtf": "rtf:extract_rtf",
    "xml": "xml:extract_xml",
    "eml": "eml:extract_eml",
    **{family: "plain:extract_family" for family in TEXT_FAMILIES},
}


def _extractor(kind: str) -> Callable[..., Extraction]:
    found = _EXTRACTORS[kind]
    if isinstance(found, str):
        module, _, name = found.partition(":")
        found = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        _EXTRACTORS[kind] = found
    return found


# How deep mail attachments are followed (a mail attached to a mail attached to a mail...).
MAX_DEPTH = 3


def extract(
    data: bytes,
    key: str,
    content_type: str | None = None,
    *,
    max_text_chars: int = 5_000_000,
    ocr: bool = False,
    depth: int = 0,
) -> Extraction:
    """Text and title of one object. Never raises for bad content: it becomes metadata_only.

    ocr: OCR pdf pages without a text layer (needs the tesseract binary).
    depth: how many containers (mails) this object sits inside; for attachments.
    """
    if max_text_chars < 1:
        raise ValueError(f"max_text_chars must be positive, got {max_text_chars}")
    detected = detect_kind(bytes(data), key, content_type)
    kind = detected.kind
    if kind is None:
        return metadata_only(detected.reason or "unsupported type")
    try:
        if kind == "pdf":
            return _extractor(kind)(bytes(data), key, content_type, max_text_chars, ocr=ocr)
        if kind == "eml":
            if depth >= MAX_DEPTH:
                return metadata_only(f"eml nested too deep (limit {MAX_DEPTH} levels)")
            return _extractor(kind)(bytes(data), key, content_type, max_text_chars, ocr=ocr,
                                    depth=depth)
        return _extractor(kind)(bytes(data), key, content_type, max_text_chars)
    except BinaryContent:
        return metadata_only("binary content behind a text extension")
    except RecursionError:
        return metadata_only(f"{kind} extraction failed: nested too deeply")
    except Exception as exc:  # hostile input must not fail the run; the reason records it
        return failed(kind, exc)
