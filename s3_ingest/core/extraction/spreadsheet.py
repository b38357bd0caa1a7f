"""XLSX (openpyxl) and XLS (xlrd): every sheet's name, then its rows as `a | b | c` lines."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Iterator

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.functions import iterparse

from .result import Extraction, failed, indexed, metadata_only, with_properties
from .sections import join_sections, office_properties
from .titles import clean_title
from .zip_limits import decompression_refusal

# Cells visited, empty ones included: a sheet can declare a range of billions of empty cells
# (read-only openpyxl pads every row to the declared width), so the walk is bounded by this.
MAX_CELLS = 200_000


def _size_from_the_head(sheet: ReadOnlyWorksheet) -> None:
    """ReadOnlyWorksheet._get_size without the full pass: openpyxl looks for <dimension> on
    "end" events, so a sheet that has none is parsed to its last cell when it is opened, before
    the bounded walk below could stop. <dimension> precedes <sheetData>, so stop at its start."""
    source = sheet._get_source()
    try:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension.from_tree(element).boundaries
                if bounds is not None:
                    sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = bounds
                break
            if element.tag == DATA_TAG:
                break
    finally:
        source.close()


ReadOnlyWorksheet._get_size = _size_from_the_head  # type: ignore[method-assign]


def extract_xlsx(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    try:
        refusal = decompression_refusal(data)
        if refusal:
            return metadata_only(f"xlsx refused: {refusal}")
        # read_only streams each sheet's XML instead of building every cell object up front.
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = [(sheet.title, sheet.iter_rows(values_only=True)) for sheet in book.worksheets]
            text, truncated = _sheets_text(sheets, max_chars)
            properties = {**office_properties(book.properties), "sheet_count": len(sheets)}
            title = clean_title(book.properties.title)
        finally:
            book.close()
    except Exception as exc:  # openpyxl, lxml and zipfile all raise their own types
        return failed("xlsx", exc)
    result = indexed(text, title or (sheets[0][0] if sheets else None), max_chars)
    return with_properties(result, {**properties, "truncated": truncated})


def extract_xls(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    import xlrd  # only legacy .xls needs it

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        try:
            names = book.sheet_names()
            sheets = [(name, _xls_rows(book, index)) for index, name in enumerate(names)]
            text, truncated = _sheets_text(sheets, max_chars)
            author = book.user_name
        finally:
            book.release_resources()
    except Exception as exc:  # xlrd raises XLRDError, struct.error, IndexError, ...
        return failed("xls", exc)
    result = indexed(text, names[0] if names else None, max_chars)
    return with_properties(result, {"author": author, "sheet_count": len(names), "truncated": truncated})


def _xls_rows(book: object, index: int) -> Iterator[tuple[object, ...]]:
    sheet = book.sheet_by_index(index)  # type: ignore[attr-defined]
    for row in sheet.get_rows():
        yield tuple(cell.value for cell in row)


def _sheets_text(
    sheets: list[tuple[str, Iterable[tuple[object, ...]]]], max_chars: int
) -> tuple[str, str | None]:
    """One section per sheet ("Sheet: name", then its non-empty rows), and why it stopped early."""
    sections: list[str] = []
    cells = size = 0
    truncated: str | None = None
    for name, rows in sheets:
        lines = [f"Sheet: {name}"]
        for row in rows:
            cells += len(row)
            if cells > MAX_CELLS:
                truncated = f"stopped after {MAX_CELLS:,} cells (limit)"
                break
            line = _row_line(row)
            if line:
                lines.append(line)
                size += len(line) + 1
            if size >= max_chars:
                break
        sections.append("\n".join(lines))
        if truncated or size >= max_chars:
            break
    return join_sections(sections), truncated


def _row_line(row: tuple[object, ...]) -> str:
    values = [_cell_text(value) for value in row]
    while values and not values[-1]:
        values.pop()
    return " | ".join(values) if any(values) else ""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()
