"""DOCX: paragraphs and table cells via python-docx, after a zip-bomb check."""

from __future__ import annotations

import io

import docx
from docx.document import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from .result import Extraction, failed, indexed, metadata_only, with_properties
from .sections import office_properties
from .titles import clean_title
from .zip_limits import decompression_refusal


def extract_docx(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    try:
        refusal = decompression_refusal(data)
        if refusal:
            return metadata_only(f"docx refused: {refusal}")
        document = docx.Document(io.BytesIO(data))
        blocks = _blocks(document, max_chars)
        title = _title(document, blocks)
        properties = office_properties(document.core_properties)
    except Exception as exc:  # python-docx, lxml and zipfile all raise their own types
        return failed("docx", exc)
    return with_properties(indexed("\n".join(text for text, _ in blocks), title, max_chars), properties)


def _blocks(document: Document, max_chars: int) -> list[tuple[str, Paragraph | None]]:
    """Non-empty text blocks in body order, each with its paragraph (None for table cells)."""
    blocks: list[tuple[str, Paragraph | None]] = []
    size = 0
    for item in document.iter_inner_content():
        if size >= max_chars:
            break
        if isinstance(item, Paragraph):
            if item.text.strip():
                blocks.append((item.text, item))
                size += len(item.text) + 1
        else:
            for cell_text in _cell_texts(item):
                blocks.append((cell_text, None))
                size += len(cell_text) + 1
    return blocks


def _cell_texts(table: Table) -> list[str]:
    texts: list[str] = []
    # Merged cells come back once per grid column they span. The set holds the XML elements
    # themselves, not their ids: lxml proxies are recycled, so ids of dropped ones get reused.
    seen: set[object] = set()
    for row in table.rows:
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            for item in cell.iter_inner_content():
                if isinstance(item, Paragraph):
                    if item.text.strip():
                        texts.append(item.text)
                else:
                    texts.extend(_cell_texts(item))
    return texts


def _title(document: Document, blocks: list[tuple[str, Paragraph | None]]) -> str | None:
    title = clean_title(document.core_properties.title)
    if title:
        return title
    for text, paragraph in blocks:
        style = (paragraph.style.name if paragraph is not None and paragraph.style else None) or ""
        if style == "Title" or style.startswith("Heading"):
            return clean_title(text)
    return clean_title(blocks[0][0]) if blocks else None
