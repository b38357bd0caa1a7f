"""The media type the project detected for an object: what `--content-type` filters on.

The S3 header says what the uploader declared, which is often nothing useful: a pdf uploaded
without a ContentType is `binary/octet-stream`. The type stored beside the header is the kind
detect.py found in the bytes (a pdf by its signature, a docx by its members), or - for an
object that was not fetched (archived, a type never extracted) - what its name says.
"""

from __future__ import annotations

import mimetypes

from .detect import detect_kind
from .kinds import kind_of, media_type_of

# Each kind's one media type (the header's many spellings - application/x-pdf, text/x-markdown
# - all become this).
KIND_MEDIA_TYPES = {
    "txt": "text/plain",
    "md": "text/markdown",
    "html": "text/html",
    "json": "application/json",
    "csv": "text/csv",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    "epub": "application/epub+zip",
    "eml": "message/rfc822",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "rtf": "application/rtf",
    "xml": "application/xml",
}
_GENERIC = frozenset({"application/octet-stream", "binary/octet-stream"})


def media_type_for_kind(kind: str, key: str) -> str:
    """The media type of an extracted kind; text families (yaml, code, logs) by their name."""
    return KIND_MEDIA_TYPES.get(kind) or mimetypes.guess_type(key, strict=False)[0] or "text/plain"


def named_media_type(key: str, content_type: str | None) -> str | None:
    """What the name (else the header, unless it is generic) says the object is."""
    kind = kind_of(key)
    if kind is not None:
        return media_type_for_kind(kind, key)
    guessed = mimetypes.guess_type(key, strict=False)[0]
    if guessed:
        return guessed
    header = media_type_of(content_type)
    if header is not None and header not in _GENERIC:
        return media_type_for_kind(kind_of(key, header), key) if kind_of(key, header) else header
    return None


def detected_media_type(data: bytes | None, key: str, content_type: str | None) -> str | None:
    """The media type of an object from its bytes when there are any, else from its name."""
    if data is None:
        return named_media_type(key, content_type)
    detected = detect_kind(bytes(data), key, content_type)
    if detected.kind is not None:
        return media_type_for_kind(detected.kind, key)
    return detected.mime or named_media_type(key, content_type)
