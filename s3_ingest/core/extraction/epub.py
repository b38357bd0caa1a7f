"""EPUB: the chapters in spine order, each through the HTML extractor, one section a chapter."""

from __future__ import annotations

import io
import posixpath
import zipfile
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from .html import extract_html
from .result import Extraction, failed, indexed, metadata_only, with_properties
from .safe_xml import DefusedXmlException, local_name, parse
from .sections import join_sections
from .titles import clean_title
from .zip_limits import decompression_refusal

MAX_CHAPTERS = 2_000
_METADATA = {"title": "title", "creator": "author", "language": "language", "date": "created"}


def extract_epub(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    try:
        refusal = decompression_refusal(data)
        if refusal:
            return metadata_only(f"epub refused: {refusal}")
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            opf_path = _package_path(parse(archive.read("META-INF/container.xml")))
            package = parse(archive.read(opf_path))
            chapters = _spine(package, posixpath.dirname(opf_path))
            if len(chapters) > MAX_CHAPTERS:
                return metadata_only(f"epub refused: too many chapters ({len(chapters)}, limit {MAX_CHAPTERS})")
            sections = _chapter_texts(archive, chapters, max_chars)
    except DefusedXmlException as exc:
        return metadata_only(f"epub refused: XML with {type(exc).__name__}")
    except Exception as exc:  # zipfile, expat and a missing part all raise their own types
        return failed("epub", exc)
    properties = _metadata(package)
    title = clean_title(properties.pop("title", None))
    result = indexed(join_sections(sections), title, max_chars)
    return with_properties(result, {**properties, "chapter_count": len(chapters)})


def _package_path(container: Element) -> str:
    for element in container.iter():
        if local_name(element) == "rootfile" and element.get("full-path"):
            return element.get("full-path", "")
    raise ValueError("no rootfile in META-INF/container.xml")


def _spine(package: Element, base: str) -> list[str]:
    """Archive paths of the spine's documents, in reading order."""
    hrefs: dict[str, str] = {}
    order: list[str] = []
    for element in package.iter():
        name = local_name(element)
        if name == "item" and element.get("id") and element.get("href"):
            hrefs[element.get("id", "")] = element.get("href", "")
        elif name == "itemref" and element.get("idref"):
            order.append(element.get("idref", ""))
    paths = []
    for idref in order:
        href = hrefs.get(idref)
        if href:
            paths.append(posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0]))))
    return paths


def _chapter_texts(archive: zipfile.ZipFile, paths: list[str], max_chars: int) -> list[str]:
    sections: list[str] = []
    size = 0
    names = set(archive.namelist())
    for path in paths:
        if size >= max_chars:
            break
        if path not in names:
            continue  # a spine entry pointing nowhere costs that chapter only
        chapter = extract_html(archive.read(path), path, "application/xhtml+xml", max_chars - size)
        if chapter.text:
            sections.append(chapter.text)
            size += len(chapter.text) + 3
    return sections


def _metadata(package: Element) -> dict[str, object]:
    found: dict[str, object] = {}
    for element in package.iter():
        field = _METADATA.get(local_name(element))
        if field and field not in found and element.text and element.text.strip():
            found[field] = element.text.strip()
    return found
