"""The demo corpus's slides, spreadsheet, mail and scanned page, written by real writers
(python-pptx, openpyxl, the stdlib email package, Pillow) and byte-for-byte reproducible."""

from __future__ import annotations

import io
import zipfile
import zlib
from datetime import datetime, timezone
from email.message import EmailMessage

import openpyxl
from PIL import Image, ImageDraw, ImageFont
from pptx import Presentation
from pptx.util import Inches

_ZIP_TIME = (2024, 10, 1, 9, 0, 0)
_DOC_TIME = datetime(2024, 10, 1, 9, 0)


def fleet_review_pptx() -> bytes:
    deck = Presentation()
    props = deck.core_properties
    props.title, props.author, props.language = "Fleet review 2024", "Operations", "en-GB"
    props.created = props.modified = props.last_printed = _DOC_TIME
    props.revision = 1
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Fleet status"
    first.placeholders[1].text = "41 trucks and 12 refrigerated trailers in service"
    table = first.shapes.add_table(3, 2, Inches(1), Inches(4.5), Inches(5), Inches(1.2)).table
    for row, (depot, trucks) in enumerate([("Depot", "Trucks"), ("Duisburg", "23"), ("Rotterdam", "18")]):
        table.cell(row, 0).text, table.cell(row, 1).text = depot, trucks
    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "Plans for 2025"
    second.placeholders[1].text = "Open the Antwerp cross-dock; replace six tractors with electric units"
    second.notes_slide.notes_text_frame.text = (
        "Speaker notes: the invoice automation saved 120 hours a month; mention the retention policy review."
    )
    out = io.BytesIO()
    deck.save(out)
    return _with_fixed_zip_times(out.getvalue())


def depot_costs_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.properties.title = "Depot costs Q3 2024"
    book.properties.creator = "Finance"
    book.properties.created = book.properties.modified = _DOC_TIME
    costs = book.active
    costs.title = "Costs"
    for row in [("Depot", "Fuel EUR", "Tolls EUR", "Maintenance EUR"), ("Duisburg", 48210, 9120, 14400),
                ("Rotterdam", 39875, 7310, 11950)]:  # fmt: skip
        costs.append(row)
    invoices = book.create_sheet("Open invoices")
    for row in [("Invoice", "Customer", "Amount EUR", "Due"), ("INV-2024-0871", "Ruhr Chemicals", 18400, "2024-10-31"),
                ("INV-2024-0902", "Maas Fresh Foods", 7250, "2024-11-15")]:  # fmt: skip
        invoices.append(row)
    out = io.BytesIO()
    book.save(out)
    return _with_fixed_zip_times(out.getvalue(), keep_core=True)


def board_mail_eml(attachment_pdf: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "Finance <finance@kestrel-freight.example>"
    message["To"] = "board@kestrel-freight.example"
    message["Subject"] = "Board pack: tracking outage postmortem"
    message["Date"] = "Tue, 15 Oct 2024 09:30:00 +0200"
    message["Message-ID"] = "<board-pack-2024-10-15@kestrel-freight.example>"
    message.set_content(
        "Dear board,\n\nattached is the postmortem of the August tracking outage, for Thursday's meeting.\n"
        "Invoices delayed by the outage have all been sent since.\n\nFinance\n"
    )
    message.add_attachment(attachment_pdf, maintype="application", subtype="pdf",
                           filename="incident-2024-08-14-postmortem.pdf")  # fmt: skip
    message.set_boundary("kestrel-board-pack")  # the default one is random
    return message.as_bytes()


def scanned_invoice_pdf() -> bytes:
    """A page that is only a picture of text, as a scanner makes it: no text layer at all.

    Drawn with Pillow's built-in bitmap font (the same pixels on every machine) and enlarged, so
    tesseract reads it.
    """
    lines = ["HARBOUR INVOICE 2024-117", "Pilotage fees paid in full", "Berth 7, Rotterdam Waalhaven"]
    small = Image.new("L", (180, 56), 255)
    draw = ImageDraw.Draw(small)
    for number, line in enumerate(lines):
        draw.text((2, 2 + 18 * number), line, fill=0, font=ImageFont.load_default_imagefont())
    page = Image.new("L", (1000, 1300), 255)
    page.paste(small.resize((540, 168), Image.NEAREST), (60, 120))
    pixels = zlib.compress(page.tobytes(), 9)
    content = b"q 600 0 0 780 0 0 cm /Scan Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 780] "
        b"/Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 1000 /Height 1300 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(pixels), pixels),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at)
    return bytes(out)


def _with_fixed_zip_times(data: bytes, keep_core: bool = False) -> bytes:
    """Writers stamp zip members (and openpyxl the core properties) with the current time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            body = source.read(member)
            if keep_core and member.filename == "docProps/core.xml":
                body = _fixed_core_times(body)
            target.writestr(zipfile.ZipInfo(member.filename, _ZIP_TIME), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _fixed_core_times(core: bytes) -> bytes:
    import re

    stamp = _DOC_TIME.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, core)
