"""Reading the sources file: ${VAR} interpolation, validation with messages that name the source
and the field, and where the file is found. The models it validates live in model.py."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from s3_ingest.core.sources.model import (
    DEFAULT_SOURCES_PATH, SOURCES_ENV_VAR, _INTERPOLATION_RE, SourcesFileError, Source, SourcesFile,
)


class _UnsetVariable(Exception):
    def __init__(self, name: str, field: str) -> None:
        super().__init__(name)
        self.name, self.field = name, field


def _interpolate(value: Any, field: str = "") -> Any:
    """Expand ${VAR} and ${VAR:-default} (default when unset or empty, as in a shell) in strings,
    so endpoints can differ per machine.

    Credentials are not interpolated: they stay references, resolved only when a client is made.
    """
    if isinstance(value, dict):
        return {
            k: v if k == "credentials" else _interpolate(v, f"{field}.{k}".lstrip("."))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_interpolate(v, f"{field}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if os.environ.get(name):
                return os.environ[name]
            if default is not None:
                return default
            if name in os.environ:
                return ""
            raise _UnsetVariable(name, field)

        return _INTERPOLATION_RE.sub(replace, value)
    return value


def _interpolate_sources(raw: dict[str, Any], origin: str) -> dict[str, Any]:
    entries = raw.get("sources")
    if not isinstance(entries, list):
        return raw
    out = []
    for number, entry in enumerate(entries, 1):
        try:
            out.append(_interpolate(entry))
        except _UnsetVariable as exc:
            name = entry.get("name") if isinstance(entry, dict) else None
            where = f"source {name!r}" if name else f"source #{number}"
            raise SourcesFileError(
                f"{origin}: {where}: field {exc.field!r}: environment variable {exc.name} is "
                "not set (use ${VAR:-default} for a fallback)"
            ) from None
    return {**raw, "sources": out}


def _describe(error: dict[str, Any], raw: Any) -> str:
    loc = list(error.get("loc", ()))
    where = "sources file"
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        index = loc[1]
        name = None
        if isinstance(raw, dict) and isinstance(raw.get("sources"), list):
            entries = raw["sources"]
            if index < len(entries) and isinstance(entries[index], dict):
                name = entries[index].get("name")
        where = f"source {name!r}" if name else f"source #{index + 1}"
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or None
    message = error.get("msg", "invalid").removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "unknown field"
    elif error.get("type") == "missing":
        message = "is required"
    return f"{where}: field {field!r}: {message}" if field else f"{where}: {message}"


def parse_sources(text: str, origin: str = "<string>") -> list[Source]:
    """Parse and validate the YAML text of a sources file."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesFileError(f"{origin}: not valid YAML: {exc}") from None
    if raw is None or (isinstance(raw, dict) and raw.get("sources") in (None, [])):
        raise SourcesFileError(f"{origin}: lists no sources; add a `sources:` list")
    if not isinstance(raw, dict):
        raise SourcesFileError(f"{origin}: must be a mapping with a `sources:` list")
    raw = _interpolate_sources(raw, origin)
    try:
        sources = SourcesFile.model_validate(raw).sources
    except ValidationError as exc:
        errors = exc.errors()
        first = _describe(errors[0], raw)
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise SourcesFileError(f"{origin}: {first}{more}") from None
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise SourcesFileError(
                f"{origin}: source {source.name!r}: field 'name': another source has this name"
            )
        seen.add(source.name)
    return sources


def sources_path() -> Path:
    return Path(os.environ.get(SOURCES_ENV_VAR) or DEFAULT_SOURCES_PATH)


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Read the sources file at `path`, or $S3_INGEST_SOURCES, or ./sources.yaml."""
    path = Path(path) if path else sources_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourcesFileError(
            f"{path}: no sources file here; set {SOURCES_ENV_VAR} to its path "
            f"(see sources.example.yaml)"
        ) from None
    return parse_sources(text, origin=str(path))
