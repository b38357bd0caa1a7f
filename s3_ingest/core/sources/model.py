"""The sources file: which buckets to ingest, how to reach them, and what to select.

A YAML file lists one or more sources. It is validated in full when the code location loads, and
a bad file fails with one message that names the source and the field, never with a traceback
alone. Secrets are never written in the file: credentials name environment variables.

Example::

    sources:
      - name: handbook
        bucket: acme-docs
        prefix: handbook/
        endpoint: http://127.0.0.1:9000      # MinIO, R2, Spaces, Ceph; omit for AWS
        region: us-east-1                    # `auto` for R2
        path_style: true
        credentials:
          access_key_id_env: MINIO_ACCESS_KEY
          secret_access_key_env: MINIO_SECRET_KEY
        extensions: [md, .pdf]
        exclude: ["drafts/**"]
        max_file_size: 20MB
        tags: {team: docs}
        tag_regex: "users/(?P<user>[^/]+)/"
"""

from __future__ import annotations

import os
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from s3_ingest.core.sources.acl import AclRule

DEFAULT_SOURCES_PATH = "sources.yaml"
SOURCES_ENV_VAR = "S3_INGEST_SOURCES"
DEFAULT_DOCUMENT_LIMIT = 10_000
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
MAX_TAG_REGEX_LENGTH = 200
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TEAM_RE = re.compile(r"team:[A-Za-z0-9_.-]+")

_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_KEY_PART_RE = re.compile(r"[A-Za-z0-9_]+")
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B?|B)?\s*$", re.IGNORECASE)
_INTERPOLATION_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def compile_tag_regex(pattern: str) -> Any:
    """RE2 (linear time: no catastrophic backtracking, whatever the key) with Python's syntax
    for named groups."""
    import re2

    return re2.compile(pattern)


class SourcesFileError(ValueError):
    """The sources file cannot be used; the message names the file, the source and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Credentials(_Strict):
    """How to authenticate. Values are names of environment variables, never the secrets."""

    access_key_id_env: str | None = None
    secret_access_key_env: str | None = None
    session_token_env: str | None = None
    profile: str | None = None
    anonymous: bool = False

    @field_validator("access_key_id_env", "secret_access_key_env", "session_token_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME_RE.fullmatch(value):
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits, underscores), "
                "not the secret itself"
            )
        return value

    @model_validator(mode="after")
    def _one_method(self) -> Credentials:
        keys = self.access_key_id_env or self.secret_access_key_env
        if keys and not (self.access_key_id_env and self.secret_access_key_env):
            raise ValueError("access_key_id_env and secret_access_key_env go together")
        if self.session_token_env and not keys:
            raise ValueError("session_token_env needs access_key_id_env and secret_access_key_env")
        chosen = [bool(keys), bool(self.profile), self.anonymous]
        if sum(chosen) > 1:
            raise ValueError("choose one of: access keys, profile, anonymous")
        return self

    def unset_variables(self) -> list[str]:
        """The environment variables these credentials name that are not set here."""
        names = (self.access_key_id_env, self.secret_access_key_env, self.session_token_env)
        return [name for name in names if name and not os.environ.get(name)]

    @property
    def method(self) -> Literal["keys", "profile", "anonymous", "default_chain"]:
        if self.access_key_id_env:
            return "keys"
        if self.profile:
            return "profile"
        if self.anonymous:
            return "anonymous"
        return "default_chain"


class EventsQueue(_Strict):
    """An SQS queue that receives the bucket's event notifications (S3's own or EventBridge)."""

    queue_url: str
    region: str | None = None
    endpoint: str | None = None  # for tests and SQS-compatible brokers
    max_messages_per_tick: int = Field(default=500, ge=1, le=10_000)


class Source(_Strict):
    """One bucket (and optional prefix) to ingest."""

    name: str
    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str | None = None
    use_ssl: bool | None = None
    path_style: bool = False
    credentials: Credentials = Field(default_factory=Credentials)
    extensions: list[str] = Field(default_factory=list)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    document_limit: int | None = DEFAULT_DOCUMENT_LIMIT
    tags: dict[str, str] = Field(default_factory=dict)
    tag_regex: str | None = None
    # 16, as the raw boto3 baseline: 32 threads cost ~10% more CPU a fetch (GIL contention,
    # bench/run.py measures both) and hide no more latency at the rates one process reaches.
    fetch_concurrency: int = Field(default=16, ge=1, le=256)
    max_attempts: int = Field(default=8, ge=1, le=50)
    extraction_timeout_seconds: float = Field(default=30.0, gt=0)
    # OCR pdf pages that have no text layer (scans); needs the tesseract binary, and time:
    # a few seconds a page, within extraction_timeout_seconds for the whole document.
    ocr: bool = False
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=60.0, gt=0)
    sync_interval: int = Field(default=300, ge=5)
    sensor_running: bool = False
    reconcile_cron: str = "0 3 * * *"
    sensor_budget_seconds: float = Field(default=20.0, gt=0, le=50)
    events: EventsQueue | None = None
    # Shown on the source's assets in the Dagster UI: emails, or team:<name>.
    owners: list[str] = Field(default_factory=list)
    description: str | None = None
    # Issue 24: who may see its documents when served (core/sources/acl.py): Kendra-style rules
    # inline, or the path of a Kendra ACL JSON file. None: every authenticated caller.
    acl: str | list[AclRule] | None = None
    # Where the source's assets sit among a project's others (issue 22): keys become
    # <key_prefix...>/<name>/documents, and the UI groups them under group_name (default: name).
    key_prefix: list[str] = Field(default_factory=list)
    group_name: str | None = None

    @field_validator("key_prefix", mode="before")
    @classmethod
    def _key_prefix(cls, value: Any) -> Any:
        parts = value.split("/") if isinstance(value, str) else value
        if isinstance(parts, list):
            for part in parts:
                if not isinstance(part, str) or not _KEY_PART_RE.fullmatch(part):
                    raise ValueError(f"{part!r} is not an asset key part "
                                     "(letters, digits, underscores)")
        return parts

    @field_validator("group_name")
    @classmethod
    def _group_name(cls, value: str | None) -> str | None:
        if value is not None and not _NAME_RE.fullmatch(value):
            raise ValueError(
                "must start with a letter and hold only letters, digits and underscores")
        return value

    @field_validator("owners")
    @classmethod
    def _owners(cls, values: list[str]) -> list[str]:
        for value in values:
            if not (_EMAIL_RE.fullmatch(value) or _TEAM_RE.fullmatch(value)):
                raise ValueError(f"{value!r} is not an email or team:<name>")
        return values

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.fullmatch(value):
            raise ValueError(
                "must start with a letter and hold only letters, digits and underscores "
                "(it names Dagster assets and partitions)"
            )
        return value

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not value or "/" in value or value != value.strip():
            raise ValueError("must be a bare bucket name (no slashes, no s3:// scheme)")
        return value

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return value.lstrip("/") if value.startswith("/") and not value.startswith("//") else value

    @field_validator("extensions")
    @classmethod
    def _extensions(cls, values: list[str]) -> list[str]:
        cleaned = []
        for value in values:
            ext = value.strip().lower().lstrip(".")
            if not ext or "/" in ext:
                raise ValueError(f"{value!r} is not a file extension")
            cleaned.append("." + ext)
        return cleaned

    @field_validator("sync_interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> int:
        return parse_duration(value)

    @field_validator("max_file_size", mode="before")
    @classmethod
    def _size(cls, value: Any) -> int:
        return parse_size(value)

    @field_validator("document_limit", mode="before")
    @classmethod
    def _limit(cls, value: Any) -> int | None:
        if isinstance(value, bool):
            raise ValueError("must be a positive whole number, or `unlimited`")
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)  # interpolated values arrive as text
        if value in (None, "unlimited", "none", 0):
            return None
        if not isinstance(value, int) or value < 0:
            raise ValueError("must be a positive whole number, or `unlimited`")
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return value

    @field_validator("tag_regex")
    @classmethod
    def _tag_regex(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) >= MAX_TAG_REGEX_LENGTH:
            raise ValueError(f"must be under {MAX_TAG_REGEX_LENGTH} characters")
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"does not compile: {exc}") from None
        if not compiled.groupindex:
            raise ValueError("needs at least one named group, like (?P<user>[^/]+)")
        try:
            compile_tag_regex(value)
        except Exception:
            raise ValueError(
                "uses a feature RE2 cannot match in linear time (a lookaround or a "
                "backreference); rewrite it without"
            ) from None
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().rstrip("/")
        if not value:
            return None
        if "://" in value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, or a bare host[:port]")
        return value

    @model_validator(mode="after")
    def _endpoint_ssl(self) -> Source:
        if self.endpoint and self.use_ssl is not None and "://" in self.endpoint:
            if self.endpoint.startswith("http://") == self.use_ssl:
                raise ValueError(
                    f"endpoint {self.endpoint} contradicts use_ssl={self.use_ssl}; "
                    "drop use_ssl or the scheme"
                )
        return self

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint with a scheme: a bare host takes https unless use_ssl is false."""
        if not self.endpoint or "://" in self.endpoint:
            return self.endpoint
        scheme = "http" if self.use_ssl is False else "https"
        return f"{scheme}://{self.endpoint}"


class SourcesFile(_Strict):
    sources: list[Source]


def parse_size(value: Any) -> int:
    """`1048576`, `"20MB"`, `"1.5 GiB"` -> bytes."""
    if isinstance(value, bool):
        raise ValueError("must be a size like 20MB or a number of bytes")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("must be positive")
        return value
    if isinstance(value, str):
        match = _SIZE_RE.match(value)
        if match:
            number, unit = float(match.group(1)), (match.group(2) or "").upper()
            base = 1024 if "I" in unit else 1000
            scale = base ** "BKMGT".index(unit[0]) if unit and unit[0] != "B" else 1
            size = int(number * scale)
            if size > 0:
                return size
    raise ValueError(f"{value!r} is not a size; use bytes or a unit, like 20MB or 1GiB")


_DURATION_RE = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)


def parse_duration(value: Any) -> int:
    """`300`, `"30s"`, `"4h"`, `"1d"` -> seconds."""
    if isinstance(value, bool):
        raise ValueError("must be a duration like 30s, 5m or 4h")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2).lower()]
            return int(match.group(1)) * scale
    raise ValueError(f"{value!r} is not a duration; use seconds or a unit, like 30s or 4h")
