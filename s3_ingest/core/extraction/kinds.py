"""Deciding which extractor an object goes to, from its key and content type."""

from __future__ import annotations

import codecs
import re

from .text_families import (
    CODE_LANGUAGE_BY_EXTENSION,
    FAMILY_BY_CONTENT_TYPE,
    FAMILY_BY_EXTENSION,
    TEXT_FAMILIES,
)

KINDS = (
    "txt", "md", "html", "json", "csv", "pdf", "docx", "pptx", "xlsx", "xls", "epub", "eml",
    "odt", "ods", "odp", "rtf", "xml", *TEXT_FAMILIES,
)  # fmt: skip

_BY_EXTENSION = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xls",
    ".epub": "epub",
    ".eml": "eml",
    ".odt": "odt",
    ".ods": "ods",
    ".odp": "odp",
    ".rtf": "rtf",
    ".xml": "xml",
    **FAMILY_BY_EXTENSION,
    **{extension: "code" for extension in CODE_LANGUAGE_BY_EXTENSION},
}

_BY_CONTENT_TYPE = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/x-markdown": "md",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "text/json": "json",
    "application/x-ndjson": "json",
    "application/jsonl": "json",
    "application/json-seq": "json",
    "text/csv": "csv",
    "application/csv": "csv",
    "text/tab-separated-values": "csv",
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/epub+zip": "epub",
    "message/rfc822": "eml",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/xml": "xml",
    "text/xml": "xml",
    **FAMILY_BY_CONTENT_TYPE,
}

# Documents that are ZIP containers underneath: each is checked for decompression bombs.
ZIP_KINDS = frozenset({"docx", "pptx", "xlsx", "epub", "odt", "ods", "odp"})

_JSON_LINES_EXTENSIONS = {".jsonl", ".ndjson"}
_JSON_LINES_TYPES = {"application/x-ndjson", "application/jsonl", "application/json-seq"}

# Keys are arbitrary user input; anything that does not look like a real extension is treated
# as none, which also keeps it out of the reasons we store.
_EXTENSION = re.compile(r"\.[A-Za-z0-9][A-Za-z0-9_+-]{0,15}$")


def extension_of(key: str) -> str | None:
    """Lower-cased extension of the key's last segment (".pdf"), or None."""
    name = key.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot <= 0:  # no dot, or a dotfile such as ".gitignore"
        return None
    match = _EXTENSION.fullmatch(name[dot:])
    return match.group(0).lower() if match else None


def media_type_of(content_type: str | None) -> str | None:
    """`text/html; charset=utf-8` -> `text/html`."""
    if not content_type:
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type or None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a content type, if Python knows the codec."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return known_codec(value.strip().strip("\"'"))
    return None


def known_codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def kind_of(key: str, content_type: str | None = None) -> str | None:
    """One of KINDS by name alone, or None when unsupported.

    A known extension wins; otherwise the content type decides. `detect.detect_kind` also looks
    at the bytes.
    """
    kind = _BY_EXTENSION.get(extension_of(key) or "")
    if kind is None:
        kind = _BY_CONTENT_TYPE.get(media_type_of(content_type) or "")
    return kind


def is_json_lines(key: str, content_type: str | None) -> bool:
    """Whether a json object is one document per line."""
    extension = extension_of(key)
    if extension in _BY_EXTENSION:
        return extension in _JSON_LINES_EXTENSIONS
    return media_type_of(content_type) in _JSON_LINES_TYPES


def code_language_of(key: str) -> str | None:
    return CODE_LANGUAGE_BY_EXTENSION.get(extension_of(key) or "")


def describe_type(key: str, content_type: str | None) -> str:
    """How an unsupported object is named in its reason: its extension, else its content type."""
    extension = extension_of(key)
    if extension:
        return extension
    media_type = media_type_of(content_type)
    if media_type:
        return media_type[:100]
    return "no extension or content type"
