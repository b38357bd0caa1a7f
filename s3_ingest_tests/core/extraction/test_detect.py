"""Type from the content as well as the name."""

import io
import zipfile

import pytest

from s3_ingest.core.extraction import extract
from s3_ingest.core.extraction.detect import detect_kind, worth_fetching

from .test_docx import make_docx
from .test_pdf import make_pdf
from .test_presentation import make_pptx


def test_pdf_without_an_extension_is_extracted():
    result = extract(make_pdf([["Manifest for the heron shipment"]]), "scans/20241001-0001")
    assert result.status == "indexed", result.reason
    assert "heron shipment" in result.text


def test_docx_named_bin_is_extracted():
    result = extract(make_docx(), "uploads/attachment.bin", "application/octet-stream")
    assert result.status == "indexed", result.reason
    assert "itemised invoice" in result.text


def test_pptx_behind_a_wrong_office_extension_is_read_as_pptx():
    assert detect_kind(make_pptx(), "deck.docx", None).kind == "pptx"


def test_txt_that_is_really_a_zip_is_not_garbage_text():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", "x,y\n" * 100)
    result = extract(out.getvalue(), "exports/readme.txt")
    assert result.status == "metadata_only"
    assert result.reason == "binary content behind a text extension (content is application/zip)"


def test_text_that_mentions_the_pdf_header_stays_text():
    result = extract(b"# Formats\n\nA pdf starts with %PDF-1.7 and ends with %%EOF.\n", "notes.md")
    assert result.status == "indexed" and result.title == "Formats"


def test_pdf_after_junk_bytes_is_still_a_pdf():
    assert detect_kind(b"\x00\xff junk " + make_pdf([["late header"]]), "upload", None).kind == "pdf"


def test_text_starting_like_a_magic_number_stays_text():
    # "GIF8" opens GIF images; a text file may start with it too.
    assert extract(b"GIF89a is the name of a format\n", "notes.txt").status == "indexed"


@pytest.mark.parametrize(
    ("key", "worth"),
    [("a.pdf", True), ("a.pptx", True), ("a.yaml", True), ("a", True), ("upload.bin", True), ("a.png", False), ("a.mp4", False)],
)
def test_what_is_worth_fetching_by_key(key, worth):
    assert worth_fetching(key) is worth
