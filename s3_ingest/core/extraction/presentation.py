"""PPTX: slide titles, text frames, tables and speaker notes via python-pptx, one section a slide."""

from __future__ import annotations

import io
import zipfile

from pptx import Presentation
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

from .result import Extraction, failed, indexed, metadata_only, with_properties
from .sections import join_sections, office_properties
from .titles import clean_title
from .zip_limits import decompression_refusal

# python-pptx parses every slide when it opens the file, so a deck is refused before that.
MAX_SLIDES = 2_000


def extract_pptx(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    try:
        refusal = decompression_refusal(data) or _too_many_slides(data)
        if refusal:
            return metadata_only(f"pptx refused: {refusal}")
        deck = Presentation(io.BytesIO(data))
        sections: list[str] = []
        size = 0
        first_title: str | None = None
        slides = list(deck.slides)
        for number, slide in enumerate(slides, start=1):
            if size >= max_chars:
                break
            title = _slide_title(slide)
            first_title = first_title or title
            section = "\n".join([f"Slide {number}" + (f": {title}" if title else ""), *_slide_texts(slide)])
            sections.append(section)
            size += len(section) + 3
        core = deck.core_properties
        title = clean_title(core.title) or first_title
    except Exception as exc:  # python-pptx, lxml and zipfile all raise their own types
        return failed("pptx", exc)
    result = indexed(join_sections(sections), title, max_chars)
    return with_properties(result, {**office_properties(core), "slide_count": len(slides)})


def _too_many_slides(data: bytes) -> str | None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        count = sum(
            1
            for name in archive.namelist()
            if name.startswith("ppt/slides/slide") and name.endswith(".xml")
        )
    return f"too many slides ({count}, limit {MAX_SLIDES})" if count > MAX_SLIDES else None


def _slide_title(slide: Slide) -> str | None:
    shape = slide.shapes.title
    return clean_title(shape.text_frame.text) if shape is not None and shape.has_text_frame else None


def _slide_texts(slide: Slide) -> list[str]:
    """Text frames and table cells in shape order (groups opened), then the speaker notes."""
    texts: list[str] = []
    title_shape = slide.shapes.title
    # Iterative: group shapes can nest, and hostile files nest them deeply.
    stack: list[BaseShape] = list(reversed(list(slide.shapes)))
    while stack:
        shape = stack.pop()
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        if isinstance(shape, GroupShape):
            stack.extend(reversed(list(shape.shapes)))
            continue
        if shape.has_text_frame and shape.text_frame.text.strip():
            texts.append(shape.text_frame.text)
        if getattr(shape, "has_table", False):
            for row in shape.table.rows:
                cells = [cell.text.strip() for cell in row.cells]
                if any(cells):
                    texts.append(" | ".join(cells))
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and notes.text.strip():
            texts.append("Notes: " + notes.text)
    return texts
