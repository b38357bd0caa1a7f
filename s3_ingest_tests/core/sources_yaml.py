"""Sources files for the sources tests: `yaml_of` (a dedented block), `one_source` (a file of one
source with extra fields) and `error_of` (the message a bad file is refused with)."""

from __future__ import annotations

import textwrap

import pytest

from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.core.sources.model import SourcesFileError


def yaml_of(body: str) -> str:
    return textwrap.dedent(body).strip() + "\n"


def error_of(text: str, origin: str = "sources.yaml", *, one_line: bool = True) -> str:
    with pytest.raises(SourcesFileError) as info:
        parse_sources(text, origin=origin)
    message = str(info.value)
    if one_line:
        assert "\n" not in message.strip(), f"expected one line, got {message!r}"
    return message


def one_source(extra: str, name: str | None = "docs") -> str:
    """A sources file with one source holding `extra` (YAML lines at the source's indent)."""
    lines = ["sources:"]
    first = f"  - name: {name}" if name is not None else "  - bucket: acme-docs"
    lines.append(first)
    if name is not None:
        lines.append("    bucket: acme-docs")
    for line in textwrap.dedent(extra).strip("\n").splitlines():
        lines.append("    " + line)
    return "\n".join(lines) + "\n"
