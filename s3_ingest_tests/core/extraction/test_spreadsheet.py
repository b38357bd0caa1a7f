"""xlsx and xls: every sheet's name and rows searchable; sheets of endless empty cells bounded."""

import datetime
import io
import zipfile

import openpyxl
from openpyxl.utils import get_column_letter
import xlwt

from s3_ingest.core.extraction import extract, spreadsheet
from s3_ingest.core.extraction.sections import SECTION_BREAK

from .hostile_zips import with_bomb, with_members


def make_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.properties.title = "Depot costs"
    book.properties.creator = "Finance"
    first = book.active
    first.title = "Duisburg"
    first.append(["Item", "Amount", "Booked"])
    first.append(["Diesel", 1250.5, datetime.date(2024, 9, 30)])
    first.append(["Tolls", 310, None])
    second = book.create_sheet("Rotterdam")
    second.append(["Item", "Amount"])
    second.append(["Cormorant crane hire", 4200])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_sheet_with_its_header_and_rows():
    result = extract(make_xlsx(), "costs.xlsx")
    assert result.status == "indexed", result.reason
    duisburg, rotterdam = result.text.split(SECTION_BREAK)
    assert duisburg.split("\n")[:3] == ["Sheet: Duisburg", "Item | Amount | Booked", "Diesel | 1250.5 | 2024-09-30T00:00:00"]
    assert "Tolls | 310" in duisburg.split("\n")
    assert rotterdam.split("\n") == ["Sheet: Rotterdam", "Item | Amount", "Cormorant crane hire | 4200"]
    assert result.title == "Depot costs"
    assert result.properties["author"] == "Finance"
    assert result.properties["sheet_count"] == "2"


def test_xls_from_a_real_writer():
    book = xlwt.Workbook()
    book.add_sheet("Summary").write(0, 0, "Quarter close")
    sheet = book.add_sheet("Archive")
    sheet.write(0, 0, "Heron logistics")
    sheet.write(0, 1, 17)
    out = io.BytesIO()
    book.save(out)
    result = extract(out.getvalue(), "old/ledger.xls")
    assert result.status == "indexed", result.reason
    assert result.text.split(SECTION_BREAK) == ["Sheet: Summary\nQuarter close", "Sheet: Archive\nHeron logistics | 17"]
    assert result.properties["sheet_count"] == "2"


def test_a_million_empty_cells_are_walked_only_up_to_the_limit():
    columns = [get_column_letter(number) for number in range(1, 1001)]
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{col}{r}"/>' for col in columns) + "</row>" for r in range(2, 1002)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Kept heading</t></is></c></row>'
        f"{rows}</sheetData></worksheet>"
    )
    assert sheet.count("<c ") > 1_000_000
    result = extract(with_members(make_xlsx(), {"xl/worksheets/sheet1.xml": sheet.encode()}), "empty.xlsx")
    assert result.status == "indexed", result.reason
    assert "Kept heading" in result.text
    assert "Rotterdam" not in result.text  # the walk stopped inside the first sheet
    assert result.properties["truncated"] == f"stopped after {spreadsheet.MAX_CELLS:,} cells (limit)"


def test_a_declared_range_of_billions_of_cells_is_bounded():
    real = make_xlsx()
    with zipfile.ZipFile(io.BytesIO(real)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    # Read-only openpyxl pads every row to the declared width (16,384 columns here) and yields
    # every empty row up to the last one that has a cell.
    huge = sheet.replace('<dimension ref="A1:C3"/>', '<dimension ref="A1:XFD1048576"/>').replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576"/></row></sheetData>'
    )
    assert huge.count("XFD1048576") == 1 and huge.count('r="1048576"') == 1
    result = extract(with_members(real, {"xl/worksheets/sheet1.xml": huge.encode()}), "wide.xlsx")
    assert "Diesel | 1250.5" in result.text
    assert result.properties["truncated"] == f"stopped after {spreadsheet.MAX_CELLS:,} cells (limit)"


def test_zip_bomb_is_refused():
    result = extract(with_bomb(make_xlsx()), "bomb.xlsx")
    assert result.status == "metadata_only"
    assert result.reason.startswith("xlsx refused: over the decompression limit")

