"""`extract`: route an object to its extractor and turn every failure into a reason."""

from __future__ import annotations

from collections.abc import Callable

from .detect import detect_kind
from .docx import extract_docx
from .eml import extract_eml
from .epub import extract_epub
from .html import extract_html
from .opendocument import extract_opendocument
from .pdf import extract_pdf
from .plain import extract_family, extract_md, extract_txt
from .presentation import extract_pptx
from .result import Extraction, failed, metadata_only
from .rtf import extract_rtf
from .spreadsheet import extract_xls, extract_xlsx
from .tabular import extract_csv, extract_json
from .text import BinaryContent
from .text_families import TEXT_FAMILIES
from .xml import extract_xml

Extractor = Callable[[bytes, str, str | None, int], Extraction]

_EXTRACTORS: dict[str, Extractor] = {
    "txt": extract_txt,
    "md": extract_md,
    "html": extract_html,
    "json": extract_json,
    "csv": extract_csv,
    "pdf": extract_pdf,
    "docx": extract_docx,
    "pptx": extract_pptx,
    "xlsx": extract_xlsx,
    "xls": extract_xls,
    "epub": extract_epub,
    "odt": extract_opendocument,
    "ods": extract_opendocument,
    "odp": extract_opendocument,
    "rtf": extract_rtf,
    "xml": extract_xml,
    **{family: extract_family for family in TEXT_FAMILIES},
}

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
            return extract_pdf(bytes(data), key, content_type, max_text_chars, ocr=ocr)
        if kind == "eml":
            if depth >= MAX_DEPTH:
                return metadata_only(f"eml nested too deep (limit {MAX_DEPTH} levels)")
            return extract_eml(bytes(data), key, content_type, max_text_chars, ocr=ocr, depth=depth)
        return _EXTRACTORS[kind](bytes(data), key, content_type, max_text_chars)
    except BinaryContent:
        return metadata_only("binary content behind a text extension")
    except RecursionError:
        return metadata_only(f"{kind} extraction failed: nested too deeply")
    except Exception as exc:  # hostile input must not fail the run; the reason records it
        return failed(kind, exc)
