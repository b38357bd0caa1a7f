"""The media type detected for an object: from its bytes when fetched, else from its name; never
the generic header S3 gives an upload without a ContentType."""

from __future__ import annotations

from s3_ingest.core.extraction.media_types import detected_media_type
from s3_ingest.sample import CORPUS_DIR

PDF = (CORPUS_DIR / "reports" / "q3-2024-financial-summary.pdf").read_bytes()
PNG = (CORPUS_DIR / "media" / "kestrel-badge.png").read_bytes()
DOCX = (CORPUS_DIR / "handbook" / "employee-handbook.docx").read_bytes()


def test_bytes_decide_over_the_header_and_the_name() -> None:
    assert detected_media_type(PDF, "papers/q3-summary", "binary/octet-stream") == \
        "application/pdf"
    assert detected_media_type(DOCX, "handbook/book.bin", None) == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert detected_media_type(PNG, "notes/readme.txt", "text/plain") == "image/png"
    assert detected_media_type(b"# Notes\nplain words", "a/notes.md", "binary/octet-stream") \
        == "text/markdown"
    assert detected_media_type(b"<p>hi</p>", "page", "text/html; charset=utf-8") == "text/html"


def test_unfetched_objects_go_by_their_name() -> None:
    assert detected_media_type(None, "media/badge.png", "binary/octet-stream") == "image/png"
    assert detected_media_type(None, "archive/audit.txt", None) == "text/plain"
    assert detected_media_type(None, "blob", "binary/octet-stream") is None
    assert detected_media_type(None, "blob", "application/x-pdf") == "application/pdf"
