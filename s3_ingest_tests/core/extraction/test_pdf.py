import io

from pypdf import PdfReader, PdfWriter

from s3_ingest.core.extraction import extract


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal hand-written PDF: one Helvetica text block per page, xref offsets computed."""

    def string(text: str) -> bytes:
        return text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % p for p in page_ids), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    for page_id, lines in zip(page_ids, pages):
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"] + [b"(%s) Tj T*" % string(line) for line in lines] + [b"ET"]
        content = b"\n".join(ops)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    trailer_extra = b""
    if title is not None:
        info_id = max(objects) + 1
        objects[info_id] = b"<< /Title (%s) >>" % string(title)
        trailer_extra = b" /Info %d 0 R" % info_id

    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


def encrypted(data: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_single_page_with_info_title():
    result = extract(make_pdf([["Incident postmortem", "Cause: expired certificate."]], "Outage report"), "r.pdf")
    assert result.status == "indexed"
    assert "Incident postmortem" in result.text
    assert "Cause: expired certificate." in result.text
    assert result.title == "Outage report"


def test_every_page_is_extracted_in_order():
    pages = [["Q3 summary", "Revenue up 11%"], ["Receivables", "Outstanding invoices: 214"], ["Outlook (Q4)"]]
    result = extract(make_pdf(pages), "reports/q3.pdf")
    assert result.status == "indexed"
    text = result.text
    assert text.index("Revenue up 11%") < text.index("Outstanding invoices: 214") < text.index("Outlook (Q4)")


def test_title_falls_back_to_first_line():
    assert extract(make_pdf([["  First line title", "body"]]), "a.pdf").title == "First line title"


def test_truncated_pdf():
    data = make_pdf([["Some text"]])[:60]
    result = extract(data, "broken/truncated.pdf")
    assert result.status == "metadata_only"
    assert result.reason.startswith("pdf extraction failed: ")
    assert "\n" not in result.reason and len(result.reason) < 300


def test_garbage_behind_pdf_extension():
    for data in (b"", b"not a pdf at all", b"%PDF-1.7\n" + bytes(range(256)) * 4):
        result = extract(data, "x.pdf")
        assert result.status == "metadata_only"
        assert result.reason.startswith("pdf extraction failed: ")


def test_pdf_without_text():
    result = extract(make_pdf([[]]), "scan.pdf")
    assert result.status == "metadata_only"
    assert result.reason == "no text found"


def test_encrypted_pdf_with_a_user_password():
    result = extract(encrypted(make_pdf([["Confidential payroll"]]), "user-secret"), "payroll.pdf")
    assert result.status == "metadata_only"
    assert result.reason == "pdf extraction failed: encrypted"


def test_pdf_encrypted_with_only_an_owner_password_is_readable():
    result = extract(encrypted(make_pdf([["Rate card 2024"]]), ""), "rates.pdf")
    assert result.status == "indexed"
    assert "Rate card 2024" in result.text


def test_content_type_selects_pdf():
    assert extract(make_pdf([["hello pdf"]]), "object", "application/pdf").text.strip() == "hello pdf"
