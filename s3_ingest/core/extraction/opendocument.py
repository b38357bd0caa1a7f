"""OpenDocument (odt, ods, odp): paragraphs and headings from content.xml, properties from meta.xml.

Presentations get one section per page (notes included), spreadsheets one per sheet.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import Element

from .kinds import extension_of
from .result import Extraction, failed, indexed, metadata_only, with_properties
from .safe_xml import DefusedXmlException, iter_text, local_name, parse
from .sections import join_sections
from .titles import clean_title
from .zip_limits import decompression_refusal

_KIND_BY_MIMETYPE = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW_NS = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_META = {  # meta.xml element -> property
    "title": "title",
    "creator": "author",
    "initial-creator": "author",
    "creation-date": "created",
    "date": "modified",
    "language": "language",
}
_STATISTICS = {"page-count": "page_count", "table-count": "table_count"}


def extract_opendocument(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    kind = "opendocument"
    try:
        refusal = decompression_refusal(data)
        if refusal:
            return metadata_only(f"opendocument refused: {refusal}")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            declared = archive.read("mimetype").decode("ascii", "replace").strip() if "mimetype" in names else ""
            kind = _KIND_BY_MIMETYPE.get(declared) or (extension_of(key) or ".odt")[1:]
            content = parse(archive.read("content.xml"))
            meta = parse(archive.read("meta.xml")) if "meta.xml" in names else None
        sections = _sections(content, kind, max_chars)
    except DefusedXmlException as exc:
        return metadata_only(f"{kind} refused: XML with {type(exc).__name__}")
    except Exception as exc:  # zipfile, expat and malformed parts all raise their own types
        return failed(kind, exc)
    properties = _properties(meta) if meta is not None else {}
    title = clean_title(properties.pop("title", None))
    first = next((line for section in sections for line in section.split("\n") if line.strip()), None)
    result = indexed(join_sections(sections), title or clean_title(first), max_chars)
    return with_properties(result, properties)


def _sections(root: Element, kind: str, max_chars: int) -> list[str]:
    """Paragraph and heading texts, a new section at each presentation page or sheet."""
    sections: list[list[str]] = [[]]
    size = 0
    stack = [root]
    while stack and size < max_chars:
        element = stack.pop()
        name = local_name(element)
        if kind == "odp" and element.tag == f"{_DRAW_NS}page":
            label = element.get(f"{_DRAW_NS}name") or ""
            sections.append([f"Slide {len(sections)}: {label}".rstrip(": ")])
        elif kind == "ods" and element.tag == f"{_TABLE_NS}table":
            sections.append([f"Sheet: {element.get(f'{_TABLE_NS}name') or len(sections)}"])
        elif name in ("p", "h"):
            text = "".join(iter_text(element)).strip()
            if text:
                sections[-1].append(text)
                size += len(text) + 1
            continue
        stack.extend(reversed(element))
    return ["\n".join(lines) for lines in sections]


def _properties(meta: Element) -> dict[str, object]:
    properties: dict[str, object] = {}
    for element in meta.iter():
        name = local_name(element)
        if name in _META and element.text and _META[name] not in properties:
            properties[_META[name]] = element.text.strip()
        if name == "document-statistic":
            for attribute, value in element.attrib.items():
                field = _STATISTICS.get(attribute.rsplit("}", 1)[-1])
                if field:
                    properties[field] = value
    return properties
