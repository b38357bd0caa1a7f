"""Scanned pdf pages: OCR'd with tesseract when the source asks, otherwise a clear reason."""

import io
import os

import pytest
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from s3_ingest.core.extraction import ExtractionSandbox, extract, ocr, pdf

from .test_pdf import make_pdf

# CI installs tesseract and must run these; a developer machine without it may skip them.
needs_tesseract = pytest.mark.skipif(
    ocr.tesseract_path() is None and not os.environ.get("CI"),
    reason="tesseract not installed (apt-get install tesseract-ocr); CI always runs these",
)


def scanned_pdf(lines: list[str]) -> bytes:
    """One A4 page at 150 dpi that is only an image of `lines`, as a scanner would make it."""
    page = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=64)
    for number, line in enumerate(lines):
        draw.text((100, 200 + 120 * number), line, fill=0, font=font)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


def with_text_page(scan: bytes) -> bytes:
    """A text page followed by the scanned one."""
    writer = PdfWriter()
    for source in (make_pdf([["Typed cover letter"]]), scan):
        for page in PdfReader(io.BytesIO(source)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


SCAN = scanned_pdf(["Harbour invoice", "Pilotage fees paid"])


def test_scanned_pdf_without_ocr_is_metadata_only_with_the_reason():
    result = extract(SCAN, "scans/invoice.pdf")
    assert result.status == "metadata_only"
    assert result.reason == "scanned pdf: no text layer (ocr is off)"
    assert result.properties["pages_without_text"] == "1"


def test_scanned_pdf_without_tesseract_says_so(monkeypatch):
    monkeypatch.setattr(pdf, "tesseract_path", lambda: None)
    result = extract(SCAN, "scans/invoice.pdf", ocr=True)
    assert result.status == "metadata_only"
    assert result.reason == "scanned pdf: no text layer (tesseract not installed)"


@needs_tesseract
def test_scanned_page_is_read_by_tesseract():
    result = extract(SCAN, "scans/invoice.pdf", ocr=True)
    assert result.status == "indexed", result.reason
    assert "Harbour invoice" in result.text
    assert "Pilotage fees paid" in result.text
    assert result.properties["ocr_pages"] == "1"


@needs_tesseract
def test_only_pages_without_text_are_ocrd():
    result = extract(with_text_page(SCAN), "scans/letter.pdf", ocr=True)
    assert result.status == "indexed", result.reason
    assert result.text.index("Typed cover letter") < result.text.index("Pilotage fees")
    assert result.properties["ocr_pages"] == "1"


def test_text_pages_are_kept_when_ocr_is_off():
    result = extract(with_text_page(SCAN), "scans/letter.pdf")
    assert result.status == "indexed"
    assert "Typed cover letter" in result.text and "Pilotage" not in result.text
    assert result.properties["pages_without_text"] == "1"


@needs_tesseract
def test_ocr_runs_in_the_sandbox_when_the_source_asks():
    with ExtractionSandbox(workers=1, timeout_s=60) as box:
        off = box.extract(SCAN, "scan.pdf")
        on = box.extract(SCAN, "scan.pdf", ocr=True)
    assert off.reason == "scanned pdf: no text layer (ocr is off)"
    assert "Harbour invoice" in on.text


def test_a_stuck_tesseract_is_stopped_by_the_page_timeout(monkeypatch, tmp_path):
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setattr(ocr, "tesseract_path", lambda: str(fake))
    monkeypatch.setattr(pdf, "tesseract_path", lambda: str(fake))
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT_S", 0.5)
    result = extract(SCAN, "scan.pdf", ocr=True)
    assert result.status == "metadata_only"
    assert result.reason == "scanned pdf: no text layer (ocr failed: OcrError: tesseract took longer than 0.5 s on a page)"


def test_a_huge_page_is_rendered_within_the_pixel_limit(monkeypatch):
    seen = []
    monkeypatch.setattr(ocr, "_read", lambda binary, png, language: seen.append(Image.open(io.BytesIO(png)).size) or "x")
    monkeypatch.setattr(ocr, "tesseract_path", lambda: "tesseract")
    writer = PdfWriter()
    writer.add_blank_page(width=14_400, height=14_400)  # 200 x 200 inches
    out = io.BytesIO()
    writer.write(out)
    ocr.ocr_pages(out.getvalue(), [0])
    (width, height), = seen
    assert width * height <= ocr.MAX_PIXELS
