"""PDF: the text of every page via pypdf, scanned pages OCR'd on request, properties from the info."""

from __future__ import annotations

import io

from pypdf import PdfReader
from pypdf._page import PageObject

from .ocr import MAX_OCR_PAGES, OcrError, ocr_pages, tesseract_path
from .result import Extraction, describe, failed, indexed, metadata_only, with_properties
from .titles import clean_title, first_line_title


def extract_pdf(
    data: bytes, key: str, content_type: str | None, max_chars: int, *, ocr: bool = False
) -> Extraction:
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

    texts: dict[int, str] = {}
    scanned: list[int] = []  # pages with an image and no text layer
    size = 0
    first_error: Exception | None = None
    for number in range(page_count):
        # One broken page should not cost the text of the others.
        try:
            page_text = pages[number].extract_text() or ""
            if not page_text.strip() and _has_image(pages[number]):
                scanned.append(number)
        except Exception as exc:
            first_error = first_error or exc
            continue
        texts[number] = page_text
        size += len(page_text) + 1
        if size >= max_chars:
            break

    properties: dict[str, object] = {**_info(reader), "page_count": page_count}
    ocr_note = None
    if scanned:
        if not ocr:
            ocr_note = "ocr is off"
        elif tesseract_path() is None:
            ocr_note = "tesseract not installed"
        else:
            try:
                texts.update(ocr_pages(data, scanned))
                properties["ocr_pages"] = min(len(scanned), MAX_OCR_PAGES)
                if len(scanned) > MAX_OCR_PAGES:
                    properties["truncated"] = f"ocr stopped after {MAX_OCR_PAGES} pages (limit)"
            except Exception as exc:  # OcrError, and pdfium and Pillow raise their own types
                ocr_note = f"ocr failed: {describe(exc)}"
        if ocr_note:
            properties["pages_without_text"] = len(scanned)
    # A form feed between pages, empty ones kept: chunks cite their page by it
    # (core/retrieval/sections.py).
    last_page = max(texts) if texts else -1
    text = "\n\f".join(texts.get(number, "") for number in range(last_page + 1))
    if not text.strip():
        if ocr_note:
            return with_properties(metadata_only(f"scanned pdf: no text layer ({ocr_note})"), properties)
        if first_error is not None:
            return failed("pdf", first_error)
    title = clean_title(properties.pop("title", None)) or first_line_title(text)
    return with_properties(indexed(text, title, max_chars), properties)


def _has_image(page: PageObject) -> bool:
    try:
        return len(page.images) > 0  # lists the image XObjects without decoding them
    except Exception:
        return False


def _info(reader: PdfReader) -> dict[str, object]:
    try:
        info = reader.metadata
        if info is None:
            return {}
        return {
            "title": info.title,
            "author": info.author,
            "created": info.creation_date,
            "modified": info.modification_date,
        }
    except Exception:  # a damaged info dictionary only costs the properties
        return {}
