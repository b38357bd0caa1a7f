"""Joining the parts of a document (slides, sheets, chapters) so each stays its own section."""

from __future__ import annotations

# A form feed on its own line between sections: whitespace to the search index, and a boundary
# a chunker can split on so one section never straddles two chunks.
SECTION_BREAK = "\n\f\n"


def join_sections(sections: list[str]) -> str:
    return SECTION_BREAK.join(section for section in sections if section.strip())


def office_properties(core: object) -> dict[str, object]:
    """The OPC core properties python-docx, python-pptx and openpyxl share (title, author, dates)."""
    return {
        "author": getattr(core, "author", None) or getattr(core, "creator", None),
        "created": getattr(core, "created", None),
        "modified": getattr(core, "modified", None),
        "language": getattr(core, "language", None),
    }
