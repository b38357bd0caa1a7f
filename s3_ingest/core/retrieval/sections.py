"""Structure of a document's extracted text: where headings, pages, rows and records begin.

Extraction keeps text, not markup, so structure is read back from what survives it: Markdown
`#` headings, form feeds between PDF pages, one line per CSV row, blank lines between JSON
records, and for DOCX, HTML and plain text the short title-like lines that stand alone
between paragraphs (what a heading becomes once its markup is gone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from s3_ingest.core.retrieval.chunks import Section

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_SENTENCE_END = (".", ",", ";", ":", "!", "?", "|", "}", "]")
HEADING_MAX_WORDS = 10

KIND_BY_EXTENSION = {
    "md": "markdown", "markdown": "markdown", "csv": "rows", "tsv": "rows",
    "json": "records", "jsonl": "records", "ndjson": "records", "pdf": "paged",
}  # fmt: skip


def kind_of(key: str, content_type: str | None) -> str:
    """markdown, rows, records, paged or prose: how the text of this document is laid out."""
    extension = key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
    if extension in KIND_BY_EXTENSION:
        return KIND_BY_EXTENSION[extension]
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "text/markdown":
        return "markdown"
    if mime in ("text/csv", "text/tab-separated-values"):
        return "rows"
    if mime in ("application/json", "application/x-ndjson"):
        return "records"
    if mime == "application/pdf":
        return "paged"
    return "prose"


def sections(text: str, kind: str) -> Iterator[Section]:
    """The document's sections in reading order; empty ones are left out."""
    if kind == "rows":
        yield from _rows(text)
        return
    if kind == "records":
        yield from _records(text)
        return
    pages = text.split("\f") if "\f" in text else [text]
    for number, page in enumerate(pages, start=1):
        page_number = number if kind == "paged" or len(pages) > 1 else None
        if kind == "markdown":
            yield from _markdown(page, page_number)
        else:
            yield from _prose(page, page_number)


def _markdown(text: str, page: int | None) -> Iterator[Section]:
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _MARKDOWN_HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        yield from _section(path, lines, page)
        level = len(match.group(1))
        path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, match.group(2))]
        lines = []
    yield from _section(path, lines, page)


def _prose(text: str, page: int | None) -> Iterator[Section]:
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    raw = text.split("\n")
    for number, line in enumerate(raw):
        following = next((n for n in raw[number + 1 :] if n.strip()), "")
        if _looks_like_heading(line, following):
            yield from _section(path, lines, page)
            # Without markup there are no levels: a heading replaces the one before it.
            path, lines = [(1, line.strip())], []
        else:
            lines.append(line)
    yield from _section(path, lines, page)


def _looks_like_heading(line: str, following: str) -> bool:
    stripped = line.strip()
    if not stripped or not following or line[:1].isspace():
        return False
    words = stripped.split()
    return (
        len(words) <= HEADING_MAX_WORDS
        and not stripped.endswith(_SENTENCE_END)
        and stripped[0].isupper()
        and len(following.split()) > len(words)
    )


def _section(path: list[tuple[int, str]], lines: list[str], page: int | None) -> Iterator[Section]:
    body = "\n".join(lines).strip()
    if body:
        heading = " > ".join(title for _, title in path) or None
        yield Section(heading, page, body)


def _rows(text: str) -> Iterator[Section]:
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return
    # The header row goes with every chunk's rows (see chunking), so it is the heading here.
    header, body = (lines[0], lines[1:]) if len(lines) > 1 else (None, lines)
    yield Section(header, None, "\n".join(body), rows=True)


def _records(text: str) -> Iterator[Section]:
    records = [record.strip() for record in re.split(r"\n\s*\n", text) if record.strip()]
    if records:
        yield Section(None, None, "\n\n".join(records), rows=True)
