"""Deciding what an object is from its bytes as well as its name.

A pdf without an extension or a docx named `.bin` is extracted, and a `.txt` that is really a
zip is reported as a zip rather than indexed as garbage. Strong signatures in the bytes win over
the name; text has no signature, so for text the name (or content type) decides.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

import puremagic

from .kinds import ZIP_KINDS, describe_type, extension_of, kind_of, media_type_of
from .text_families import TEXT_FAMILIES

# ZIP containers announce what they are in their member names or a `mimetype` member.
_OOXML_DIRECTORIES = (("word/", "docx"), ("ppt/", "pptx"), ("xl/", "xlsx"))
_ZIP_MIMETYPES = {
    "application/epub+zip": "epub",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office: doc, xls, ppt, msg
_OLE2_MIME = "application/x-ole-storage"
_ZIP_MIME = "application/zip"
# puremagic's guesses that are text-like: those only decide when the name says nothing.
_TEXTUAL_KINDS = {"message/rfc822": "eml", "application/xml": "xml", "text/xml": "xml", "text/html": "html"}
# Below this puremagic is matching short, common byte runs that text and noise contain too.
_MIN_CONFIDENCE = 0.5
_TEXT_KINDS = frozenset({"txt", "md", "html", "json", "csv", "xml", "eml", *TEXT_FAMILIES})
# Keys with these extensions say nothing about their content, so the bytes decide.
GENERIC_EXTENSIONS = frozenset({".bin", ".dat", ".data", ".blob"})


@dataclass(frozen=True)
class Detected:
    """The kind to extract as, or None with the reason the object is metadata only."""

    kind: str | None
    reason: str | None = None
    mime: str | None = None  # a binary type found in the bytes that is not extracted (image/png)


def detect_kind(data: bytes, key: str, content_type: str | None) -> Detected:
    named = kind_of(key, content_type)
    found, mime = _binary_signature(data)
    if found is not None:
        return Detected(found)
    if mime is not None:
        # A damaged or unusual container keeps its name, so its extractor can say what is wrong.
        if (named in ZIP_KINDS and mime == _ZIP_MIME) or (named == "xls" and mime == _OLE2_MIME):
            return Detected(named)
        return Detected(None, _unsupported(key, content_type, mime, named), mime)
    if named is not None:
        return Detected(named)
    textual = _textual_guess(data) if _says_nothing(key, content_type) else None
    if textual is not None:
        return Detected(textual)
    return Detected(None, f"unsupported type: {describe_type(key, content_type)}")


def worth_fetching(key: str) -> bool:
    """Whether an object's bytes may be extractable, judged by its key alone (before a GET)."""
    extension = extension_of(key)
    return extension is None or extension in GENERIC_EXTENSIONS or kind_of(key) is not None


def _says_nothing(key: str, content_type: str | None) -> bool:
    generic_type = media_type_of(content_type) in (None, "application/octet-stream", "binary/octet-stream")
    extension = extension_of(key)
    return generic_type and (extension is None or extension in GENERIC_EXTENSIONS)


def _unsupported(key: str, content_type: str | None, mime: str, named: str | None) -> str:
    if _says_nothing(key, content_type):
        return f"unsupported type: {mime} (detected from content)"
    if named is None:  # the name already says it is something we do not extract
        return f"unsupported type: {describe_type(key, content_type)}"
    if named in _TEXT_KINDS:
        return f"binary content behind a text extension (content is {mime})"
    return f"unsupported type: {mime} behind {describe_type(key, content_type)}"


def _binary_signature(data: bytes) -> tuple[str | None, str | None]:
    """(kind we extract, None), (None, mime of a binary type we do not), or (None, None)."""
    head = data[:4096]
    textual = _reads_as_text(head)
    # Readers accept junk before the header; a text file that merely mentions "%PDF-" is text.
    if data.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and not textual):
        return "pdf", None
    if data.startswith(b"{\\rtf"):
        return "rtf", None
    if data.startswith(_OLE2):
        return None, _OLE2_MIME
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data), _ZIP_MIME
    if textual:
        return None, None  # magic numbers are short: text can start with one by chance
    match = _best_match(data)
    if match is None or match in _TEXTUAL_KINDS or match.startswith("text/"):
        return None, None
    return None, match


def _reads_as_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                declared = archive.open("mimetype").read(100).decode("ascii", "replace").strip()
                if declared in _ZIP_MIMETYPES:
                    return _ZIP_MIMETYPES[declared]
            if "[Content_Types].xml" in names:
                for directory, kind in _OOXML_DIRECTORIES:
                    if any(name.startswith(directory) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None  # damaged or encrypted: a plain zip as far as detection goes
    return None


def _textual_guess(data: bytes) -> str | None:
    match = _best_match(data[:4096])
    return _TEXTUAL_KINDS.get(match or "")


def _best_match(data: bytes) -> str | None:
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.mime_type and match.confidence >= _MIN_CONFIDENCE:
            return match.mime_type
    return None
