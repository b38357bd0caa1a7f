"""eml: headers as properties, the body, and attachments extracted recursively within bounds."""

from email.message import EmailMessage

from s3_ingest.core.extraction import dispatch, eml, extract
from s3_ingest.core.extraction.sections import SECTION_BREAK

from .test_docx import make_docx
from .test_pdf import make_pdf


def make_mail(subject: str = "Quarterly numbers", body: str = "Figures attached, see the pdf.") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Finance <finance@kestrel.example>"
    message["To"] = "board@kestrel.example"
    message["Subject"] = subject
    message["Date"] = "Tue, 15 Oct 2024 09:30:00 +0200"
    message.set_content(body)
    return message


def test_headers_body_and_attachments_are_searchable():
    message = make_mail()
    message.add_attachment(make_pdf([["Revenue grew by a pelican margin"]], "Q3"), maintype="application",
                           subtype="pdf", filename="q3.pdf")  # fmt: skip
    message.add_attachment(make_docx(), maintype="application", subtype="octet-stream", filename="handbook.docx")
    message.add_attachment(b"\x89PNG\r\n\x1a\n\x00\x00", maintype="image", subtype="png", filename="logo.png")
    result = extract(message.as_bytes(), "mail/q3.eml")
    assert result.status == "indexed", result.reason
    body, pdf, docx = result.text.split(SECTION_BREAK)
    assert body.strip() == "Figures attached, see the pdf."
    assert pdf.startswith("Attachment: q3.pdf\n") and "pelican margin" in pdf
    assert docx.startswith("Attachment: handbook.docx\n") and "itemised invoice" in docx
    assert result.title == "Quarterly numbers"
    assert result.properties["from"] == "Finance <finance@kestrel.example>"
    assert result.properties["to"] == "board@kestrel.example"
    assert result.properties["date"] == "Tue, 15 Oct 2024 09:30:00 +0200"
    assert result.properties["attachment_count"] == "3"
    assert result.properties["attachments_skipped"] == "logo.png: unsupported type: .png"


def test_html_only_mail_is_read_as_visible_text():
    message = make_mail()
    message.set_content("<html><body><p>Meet at <b>gate 4</b></p><script>x()</script></body></html>", subtype="html")
    result = extract(message.as_bytes(), "mail/gate.eml")
    assert result.text == "Meet at gate 4"


def test_found_by_content_without_an_extension():
    assert "Figures attached" in extract(make_mail().as_bytes(), "mail/0001").text


def nested(levels: int) -> bytes:
    """A mail with a mail attached, `levels` deep; level n says "marker-n"."""
    inner = make_mail(subject="level 0", body="marker-0")
    for level in range(1, levels + 1):
        outer = make_mail(subject=f"level {level}", body=f"marker-{level}")
        outer.add_attachment(inner)
        inner = outer
    return inner.as_bytes()


def test_attached_mails_are_followed_down_to_the_depth_limit():
    result = extract(nested(6), "deep.eml")
    assert result.status == "indexed"
    kept = [f"marker-{n}" for n in range(6, 6 - dispatch.MAX_DEPTH, -1)]
    assert all(marker in result.text for marker in kept)
    assert f"marker-{6 - dispatch.MAX_DEPTH}" not in result.text
    assert "nested too deep" in result.properties["attachments_skipped"]


def test_attachment_count_and_total_size_are_bounded(monkeypatch):
    monkeypatch.setattr(eml, "MAX_ATTACHMENTS", 3)
    monkeypatch.setattr(eml, "MAX_ATTACHMENT_BYTES", 100)
    message = make_mail()
    message.add_attachment("big " * 50, filename="big.txt")  # 200 bytes: over the total
    for number in range(4):
        message.add_attachment(f"note {number} osprey", filename=f"note{number}.txt")
    result = extract(message.as_bytes(), "many.eml")
    assert "note 0 osprey" in result.text and "note 1 osprey" in result.text
    assert "note 2 osprey" not in result.text and "big big" not in result.text
    skipped = result.properties["attachments_skipped"]
    assert "big.txt: over the attachment size limit" in skipped
    assert "attachments after the first 3 skipped (limit)" in skipped
