"""Regenerate the binary files of the demo corpus (PDF, DOCX, PPTX, XLSX, EML, a scanned page, PNG
and the deliberately broken ones).

The text files next to them are written by hand; this script only exists so the binaries can be
rebuilt and reviewed. Output is byte-for-byte reproducible (fixed timestamps, seeded bytes), so
re-running it does not change the objects' ETags.

    python -m s3_ingest.sample.make_corpus        # or: python s3_ingest/sample/make_corpus.py
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import docx

from s3_ingest.sample.corpus_office import (
    board_mail_eml,
    depot_costs_xlsx,
    fleet_review_pptx,
    scanned_invoice_pdf,
)

CORPUS = Path(__file__).resolve().parent / "corpus"

# Fixed dates keep the generated files identical from one run to the next.
_ZIP_TIME = (2024, 10, 1, 9, 0, 0)
_DOC_TIME = datetime(2024, 10, 1, 9, 0, tzinfo=timezone.utc)


def pdf_bytes(pages: list[list[str]], title: str) -> bytes:
    """A minimal PDF with one Helvetica text block per page; the first line of each is a heading."""
    # Object numbers: 1 catalog, 2 page tree, 3 font, 4 info, then (page, contents) pairs.
    page_ids = [5 + 2 * index for index in range(len(pages))]
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % page_id for page_id in page_ids), len(pages)),
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Title (%s) /Producer (s3_ingest make_corpus) >>" % _pdf_string(title),
    }
    for page_id, lines in zip(page_ids, pages):
        content = _page_content(lines)
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects[page_id + 1] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for number in sorted(objects):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _page_content(lines: list[str]) -> bytes:
    # Heading in 16pt, then the body in 11pt, one line per T* (next line).
    ops = [b"BT", b"/F1 16 Tf", b"18 TL", b"72 740 Td", b"(%s) Tj" % _pdf_string(lines[0])]
    ops += [b"/F1 11 Tf", b"15 TL", b"T*"]
    for line in lines[1:]:
        ops += [b"T*", b"(%s) Tj" % _pdf_string(line)]
    ops.append(b"ET")
    return b"\n".join(ops)


def _pdf_string(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def png_bytes(width: int = 16, height: int = 16) -> bytes:
    """A small valid RGB PNG: a two-tone badge."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    blue, amber = b"\x1f\x4e\x79", b"\xf2\xa9\x00"
    rows = b"".join(  # each scanline starts with filter type 0
        b"\x00" + b"".join(blue if (x + y) % 8 < 4 else amber for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def handbook_docx() -> bytes:
    document = docx.Document()
    props = document.core_properties
    props.title = "Kestrel Freight Employee Handbook"
    props.author = "People Operations"
    props.created = props.modified = _DOC_TIME
    props.last_modified_by = "People Operations"
    props.revision = 4

    document.add_heading("Kestrel Freight Employee Handbook", level=0)
    document.add_paragraph(
        "Version 4, effective 1 October 2024. Owner: People Operations (people@kestrel-freight.example)."
    )
    document.add_heading("Working hours", level=1)
    document.add_paragraph(
        "Core hours are 10:00 to 15:00 local time. Dispatch and warehouse teams follow the shift "
        "rota published every Thursday on the operations board."
    )
    document.add_heading("Paid time off", level=1)
    document.add_paragraph(
        "Full-time employees accrue 25 days of paid time off per year, plus public holidays. "
        "Requests longer than five days need two weeks' notice and manager approval in the HR portal."
    )
    document.add_heading("Expenses", level=1)
    document.add_paragraph(
        "Submit expenses within 30 days with an itemised receipt or supplier invoice attached. "
        "Claims above the limits below need director approval."
    )
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = "Category"
    table.rows[0].cells[1].text = "Limit per day"
    limits = [("Hotel (domestic)", "EUR 140"), ("Meals", "EUR 45"), ("Ground transport", "EUR 60")]
    for category, limit in limits:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = category, limit
    document.add_heading("Confidentiality", level=1)
    document.add_paragraph(
        "Customer manifests, rate cards and contract terms are confidential. See the data retention "
        "policy for how long each kind of record is kept."
    )

    raw = io.BytesIO()
    document.save(raw)
    return _with_fixed_zip_times(raw.getvalue())


def _with_fixed_zip_times(data: bytes) -> bytes:
    """python-docx stamps members with the current time; rewrite them with a fixed one."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, _ZIP_TIME)
            target.writestr(info, source.read(member), zipfile.ZIP_DEFLATED)
    return out.getvalue()


QUARTERLY_PAGES = [
    [
        "Q3 2024 Financial Summary",
        "Kestrel Freight Ltd. - prepared by Finance for the board meeting of 15 October 2024.",
        "",
        "Revenue for the quarter was EUR 4.82m, up 11% on Q3 2023.",
        "Gross margin improved to 23.4% after the Rotterdam cross-dock renegotiation.",
        "Operating costs rose 6%, driven by fuel surcharges and two new line-haul routes.",
        "Net cash position at 30 September: EUR 1.37m.",
    ],
    [
        "Receivables and invoicing",
        "Outstanding invoices at quarter end: 214, total EUR 612,400.",
        "Days sales outstanding fell from 47 to 39 after automated invoice reminders went live.",
        "Three customers account for 58% of overdue balances; collections is in contact with each.",
        "Invoice disputes were mostly about detention charges at the Antwerp terminal.",
    ],
    [
        "Outlook for Q4 2024",
        "Peak season volumes are expected to be 18% above Q3.",
        "Capital expenditure: two refrigerated trailers (EUR 210k) approved in September.",
        "Risks: fuel prices, driver availability, and the customs system migration in November.",
        "Next review: Q4 close, 20 January 2025.",
    ],
]

POSTMORTEM_PAGES = [
    [
        "Incident postmortem: tracking outage, 14 August 2024",
        "Severity: SEV-2. Duration: 2 hours 40 minutes. Author: Platform team.",
        "",
        "Summary: customers could not see shipment tracking updates between 06:10 and 08:50 CEST.",
        "Cause: an expired TLS certificate on the carrier webhook endpoint rejected status events.",
        "Detection: the support queue, not monitoring - the alert threshold was too lenient.",
        "Actions: certificate expiry alerts 30 days ahead (done); webhook retry queue (in progress);",
        "runbook update for on-call (done). No data was lost; delayed events were replayed.",
    ],
]


def main() -> None:
    files = {
        "handbook/employee-handbook.docx": handbook_docx(),
        "reports/q3-2024-financial-summary.pdf": pdf_bytes(QUARTERLY_PAGES, "Q3 2024 Financial Summary"),
        "reports/incident-2024-08-14-postmortem.pdf": pdf_bytes(POSTMORTEM_PAGES, "Tracking outage postmortem"),
        "media/kestrel-badge.png": png_bytes(),
        "reports/fleet-review-2024.pptx": fleet_review_pptx(),
        "reports/depot-costs-2024-q3.xlsx": depot_costs_xlsx(),
        "mail/2024-10-15-board-pack.eml": board_mail_eml(pdf_bytes(POSTMORTEM_PAGES, "Tracking outage postmortem")),
        "scans/harbour-invoice-2024-117.pdf": scanned_invoice_pdf(),
        # Cut inside the first page object: no xref, no trailer, no pages to read.
        "broken/truncated-report.pdf": pdf_bytes(QUARTERLY_PAGES, "Q3 2024 Financial Summary")[:120],
        # Seeded random bytes (with NULs) behind a .txt name.
        "broken/garbled.txt": random.Random(20241001).randbytes(768),
    }
    for rel_path, data in files.items():
        path = CORPUS / rel_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{len(data):>7}  {rel_path}")


if __name__ == "__main__":
    main()
