"""The YAML attributes of an s3_ingest source component: the sources file's Source model itself,
so a defs.yaml and an entry of a sources file are two spellings of one thing, validated by the
same code with the same messages (naming the component, the source and the field)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, ValidationError, model_validator

from s3_ingest.component.field_docs import document_nested, document_schema
from s3_ingest.core.sources.loader import _describe, _interpolate, _UnsetVariable
from s3_ingest.core.sources.model import Source

COMPONENT_NAME = "S3SourceComponent"


class S3SourceAttributes(Source):
    """One bucket (and optional prefix) to keep indexed, as one entry of a sources file."""

    model_config = ConfigDict(json_schema_extra=document_schema)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return document_nested(super().model_json_schema(*args, **kwargs))

    @model_validator(mode="wrap")
    @classmethod
    def _as_a_source(cls, data: Any, handler: Any) -> Any:
        """${VAR} expanded as in a sources file, and every problem said as the sources file
        says it (one message, naming the source and the field)."""
        name = data.get("name") if isinstance(data, dict) else None
        where = f"source {name!r}" if name else "source"
        try:
            data = _interpolate(data)
        except _UnsetVariable as exc:
            raise ValueError(
                f"{COMPONENT_NAME}: {where}: field {exc.field!r}: environment variable "
                f"{exc.name} is not set (use ${{VAR:-default}} for a fallback)"
            ) from None
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            first = _describe({**errors[0], "loc": ("sources", 0, *errors[0]["loc"])},
                              {"sources": [data]})
            more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
            raise ValueError(f"{COMPONENT_NAME}: {first}{more}") from None
