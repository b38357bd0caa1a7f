import io
import zipfile

import docx
import pytest

from s3_ingest.core.extraction import extract
from s3_ingest.core.extraction import docx as docx_extraction
from s3_ingest.core.extraction.zip_limits import decompression_refusal


def make_docx(title: str | None = None, heading: str | None = "Employee Handbook") -> bytes:
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    document.add_paragraph("Version 4, effective October.")
    if heading:
        document.add_heading(heading, level=1)
    document.add_paragraph("Submit expenses with an itemised invoice.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "Category"
    table.rows[0].cells[1].text = "Limit"
    table.rows[1].cells[0].text = "Hotel"
    table.rows[1].cells[1].text = "EUR 140"
    merged = document.add_table(rows=1, cols=2)
    merged.rows[0].cells[0].merge(merged.rows[0].cells[1]).text = "Merged cell"
    document.add_paragraph("After the tables.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def docx_calls(monkeypatch):
    """Records whether python-docx was ever handed the bytes."""
    calls = []
    real = docx_extraction.docx.Document

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(docx_extraction.docx, "Document", spy)
    return calls


def test_paragraphs_and_table_cells_in_body_order():
    result = extract(make_docx(), "handbook/handbook.docx")
    assert result.status == "indexed"
    assert result.text.split("\n") == [
        "Version 4, effective October.",
        "Employee Handbook",
        "Submit expenses with an itemised invoice.",
        "Category",
        "Limit",
        "Hotel",
        "EUR 140",
        "Merged cell",
        "After the tables.",
    ]


def test_title_from_core_properties_then_heading_then_first_paragraph():
    assert extract(make_docx(title="Handbook v4"), "a.docx").title == "Handbook v4"
    assert extract(make_docx(), "a.docx").title == "Employee Handbook"
    assert extract(make_docx(heading=None), "a.docx").title == "Version 4, effective October."


def test_corrupt_docx():
    data = make_docx()
    for broken in (b"not a zip", data[: len(data) // 2], b"PK\x03\x04" + b"\x00" * 100):
        result = extract(broken, "broken.docx")
        assert result.status == "metadata_only"
        assert result.reason.startswith("docx extraction failed: ")
        assert len(result.reason) < 300


def test_zip_that_is_not_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    result = extract(out.getvalue(), "renamed.docx")
    assert result.status == "metadata_only"
    assert result.reason.startswith("docx extraction failed: ")


def test_zip_bomb_by_ratio_is_refused_before_python_docx(docx_calls):
    # 20 MB of zeros deflates to ~20 KB: a 1000:1 member, streamed so the test stays light.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w") as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(20):
                member.write(chunk)
    assert len(out.getvalue()) < 100_000
    result = extract(out.getvalue(), "bomb.docx")
    assert result.status == "metadata_only"
    assert "decompression limit" in result.reason
    assert docx_calls == []


def test_zip_declaring_a_huge_total_is_refused_before_python_docx(docx_calls):
    # The central directory claims 300 MB (at an innocent-looking ratio); nothing is inflated.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
        info = archive.getinfo("word/document.xml")
        info.file_size = 300 * 1024 * 1024
        info.compress_size = 250 * 1024 * 1024
    data = out.getvalue()
    assert len(data) < 1000
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size == 300 * 1024 * 1024
    result = extract(data, "bomb.docx")
    assert result.status == "metadata_only"
    assert "decompression limit" in result.reason
    assert "300 MB" in result.reason
    assert docx_calls == []


def test_real_docx_is_within_limits(docx_calls):
    data = make_docx()
    docx_calls.clear()
    assert decompression_refusal(data) is None
    assert extract(data, "ok.docx").status == "indexed"
    assert len(docx_calls) == 1


def test_core_properties_become_properties():
    document = docx.Document()
    document.core_properties.author = "People Operations"
    document.core_properties.language = "de-DE"
    document.add_paragraph("Urlaubsantrag")
    out = io.BytesIO()
    document.save(out)
    properties = extract(out.getvalue(), "antrag.docx").properties
    assert properties["author"] == "People Operations"
    assert properties["language"] == "de-DE"
    assert "created" in properties and "modified" in properties
