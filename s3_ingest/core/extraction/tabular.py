"""JSON, JSON Lines and CSV: structured data flattened into readable lines."""

from __future__ import annotations

import csv
import io
import json

from .kinds import charset_of, extension_of, is_json_lines
from .result import Extraction, indexed, metadata_only
from .text import decode_text
from .titles import clean_title

MAX_CSV_ROWS = 100_000
_SNIFF_CHARS = 4096


def extract_json(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    text = decode_text(data, [charset_of(content_type)])
    if is_json_lines(key, content_type):
        return _json_lines(text, max_chars)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return metadata_only(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except (ValueError, RecursionError) as exc:  # over-long integers, absurd nesting
        return metadata_only(f"invalid JSON: {exc}")
    title = None
    if isinstance(value, dict):
        title = clean_title(value.get("title")) or clean_title(value.get("name"))
    return indexed("\n".join(flatten(value, max_chars)), title, max_chars)


def _json_lines(text: str, max_chars: int) -> Extraction:
    records: list[str] = []
    size = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            return metadata_only(f"invalid JSON Lines: line {number}: {exc.msg}")
        except (ValueError, RecursionError) as exc:
            return metadata_only(f"invalid JSON Lines: line {number}: {exc}")
        record = "\n".join(flatten(value, max_chars - size))
        records.append(record)
        size += len(record) + 2
        if size >= max_chars:
            break
    return indexed("\n\n".join(records), None, max_chars)


def flatten(value: object, max_chars: int) -> list[str]:
    """`{"a": {"b": "x"}}` -> `["a.b: x"]`, in document order, stopping near `max_chars`.

    Keys are kept as dotted paths so both they and the values are searchable.
    """
    lines: list[str] = []
    size = 0
    # Iterative so deep (but still parseable) nesting cannot exhaust the Python stack.
    stack: list[tuple[str, object]] = [("", value)]
    while stack and size < max_chars:
        path, item = stack.pop()
        if isinstance(item, dict) and item:
            children = [(f"{path}.{k}" if path else str(k), v) for k, v in item.items()]
            stack.extend(reversed(children))
            continue
        if isinstance(item, list) and item:
            stack.extend((path, v) for v in reversed(item))
            continue
        line = _scalar_line(path, item)
        if line:
            lines.append(line)
            size += len(line) + 1
    return lines


def _scalar_line(path: str, item: object) -> str:
    if item is None or item == {} or item == []:
        return path
    if isinstance(item, bool):
        rendered = "true" if item else "false"
    else:
        rendered = str(item)
    return f"{path}: {rendered}" if path else rendered


def extract_csv(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    text = decode_text(data, [charset_of(content_type)])
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text, key))
    lines: list[str] = []
    size = 0
    try:
        for number, row in enumerate(reader):
            if number >= MAX_CSV_ROWS or size >= max_chars:
                break
            line = " | ".join(cell.strip() for cell in row)
            if line.strip(" |"):
                lines.append(line)
                size += len(line) + 1
    except csv.Error as exc:
        return metadata_only(f"csv parse failed: {exc}")
    return indexed("\n".join(lines), None, max_chars)


def _dialect(text: str, key: str) -> type[csv.Dialect] | csv.Dialect:
    if extension_of(key) == ".tsv":
        return csv.excel_tab
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # a cut-off last row confuses the sniffer
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        return csv.excel
