"""The bundled demo corpus: what each file turns into, and that it stays small and reproducible."""

import importlib.util
from pathlib import Path

import pytest

import s3_ingest
from s3_ingest.core.extraction import extract

from .test_ocr import needs_tesseract

SAMPLE = Path(s3_ingest.__file__).parent / "sample"
CORPUS = SAMPLE / "corpus"
FILES = {p.relative_to(CORPUS).as_posix(): p for p in sorted(CORPUS.rglob("*")) if p.is_file()}

METADATA_ONLY = {
    "media/kestrel-badge.png": "unsupported type: .png",
    "broken/garbled.txt": "binary content behind a text extension",
    "broken/truncated-report.pdf": "pdf extraction failed: ",
    # Indexed by OCR where the source says `ocr: true` (the demo's does); not by plain extract.
    "scans/harbour-invoice-2024-117.pdf": "scanned pdf: no text layer (ocr is off)",
}


def test_layout():
    prefixes = {key.split("/")[0] for key in FILES if "/" in key}
    assert {"handbook", "reports", "users", "media", "broken", "mail", "scans"} <= prefixes
    assert {"README.md", "notes.txt"} <= set(FILES)
    assert any(key.startswith("users/u-1/") for key in FILES)
    assert any(key.startswith("users/u-2/") for key in FILES)
    assert 15 <= len(FILES) <= 30
    assert sum(p.stat().st_size for p in FILES.values()) < 200_000


@pytest.mark.parametrize("key", sorted(FILES))
def test_each_file(key):
    result = extract(FILES[key].read_bytes(), key)
    if key in METADATA_ONLY:
        assert result.status == "metadata_only"
        assert result.reason.startswith(METADATA_ONLY[key])
    else:
        assert result.status == "indexed", result.reason
        assert result.text.strip()
        if not key.endswith((".csv", ".jsonl")):  # tables and record streams have no title
            assert result.title


def corpus_text(key):
    return extract(FILES[key].read_bytes(), key).text


def test_script_and_comment_text_is_not_searchable():
    text = corpus_text("handbook/security-guidelines.html")
    assert "invoices" in text
    for hidden in ("zq-beacon-7781", "script-text-not-indexed", "comment-text-not-indexed",
                   "noscript-text-not-indexed", "metadata-description-not-indexed"):  # fmt: skip
        assert hidden not in text


def test_interesting_searches_find_several_types():
    def hits(term):
        return {key.rsplit(".", 1)[-1] for key in FILES if term in (corpus_text(key) or "").lower()}

    assert {"md", "txt", "docx"} <= hits("retention policy")
    assert {"csv", "json", "jsonl", "pdf", "md", "html", "docx"} <= hits("invoice")
    assert "Menü der Woche" in corpus_text("handbook/canteen-menu-duisburg.txt")  # cp1252 on disk
    assert "Outlook for Q4 2024" in corpus_text("reports/q3-2024-financial-summary.pdf")


def test_office_mail_and_scan_parts_are_searchable():
    assert "retention policy review" in corpus_text("reports/fleet-review-2024.pptx")  # speaker notes
    assert "Maas Fresh Foods" in corpus_text("reports/depot-costs-2024-q3.xlsx")  # second sheet
    mail = corpus_text("mail/2024-10-15-board-pack.eml")
    assert "Attachment: incident-2024-08-14-postmortem.pdf" in mail
    assert "expired TLS certificate" in mail  # the attached pdf's text


@needs_tesseract
def test_scanned_page_is_searchable_with_ocr():
    key = "scans/harbour-invoice-2024-117.pdf"
    result = extract(FILES[key].read_bytes(), key, ocr=True)
    assert "HARBOUR INVOICE 2024-117" in result.text and "Pilotage fees" in result.text


def test_make_corpus_reproduces_the_binaries(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_corpus", SAMPLE / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CORPUS", tmp_path)
    module.main()
    generated = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(generated) >= 5
    for path in generated:
        key = path.relative_to(tmp_path).as_posix()
        assert path.read_bytes() == FILES[key].read_bytes(), key
