"""XML: its text content, with entity declarations and external references refused."""

from __future__ import annotations

from xml.etree.ElementTree import ParseError

from .html import normalise_whitespace
from .result import Extraction, indexed, metadata_only, with_properties
from .safe_xml import DefusedXmlException, iter_text, local_name, parse
from .titles import clean_title


def extract_xml(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    try:
        root = parse(data)
    except DefusedXmlException as exc:
        return metadata_only(f"xml refused: {_refusal(exc)}")
    except ParseError as exc:
        return metadata_only(f"invalid XML: {exc}")
    parts: list[str] = []
    size = 0
    for text in iter_text(root):
        if text.strip():
            parts.append(text)
            size += len(text) + 1
            if size >= max_chars:
                break
    result = indexed(normalise_whitespace(" ".join(parts)), _title(root), max_chars)
    return with_properties(result, {"root_element": local_name(root)})


def _title(root: object) -> str | None:
    for element in root.iter():  # type: ignore[attr-defined]
        if local_name(element) == "title" and element.text:
            return clean_title(element.text)
    return None


def _refusal(exc: DefusedXmlException) -> str:
    name = type(exc).__name__
    if name == "EntitiesForbidden":
        return "entity declarations are not allowed (entity expansion bombs)"
    if name.startswith("External"):
        return "external references are not allowed"
    if name == "DTDForbidden":
        return "document type declarations are not allowed"
    return name
