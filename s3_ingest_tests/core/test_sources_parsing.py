"""Parsing a valid sources file: every field, the defaults, normalised values, and sizes."""

from __future__ import annotations

import pytest

from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.core.sources.model import (
    DEFAULT_DOCUMENT_LIMIT, DEFAULT_MAX_FILE_SIZE, Source, parse_size,
)
from s3_ingest_tests.core.sources_yaml import one_source, yaml_of


def test_every_field_is_parsed() -> None:
    text = yaml_of("""
        sources:
          - name: handbook
            bucket: acme-docs
            prefix: handbook/
            endpoint: http://127.0.0.1:9000/
            region: us-east-1
            path_style: true
            credentials:
              access_key_id_env: MINIO_ACCESS_KEY
              secret_access_key_env: MINIO_SECRET_KEY
              session_token_env: MINIO_SESSION
            extensions: [MD, .txt, " .Pdf "]
            include: ["guides/**"]
            exclude: ["drafts/**", "*.tmp"]
            max_file_size: 20MB
            document_limit: 500
            tags: {team: docs, year: 2024}
            tag_regex: "users/(?P<user>[^/]+)/"
            fetch_concurrency: 8
            sync_interval: 5m
            max_attempts: 3
          - name: public
            bucket: open-data
            credentials: {anonymous: true}
        """)
    handbook, public = parse_sources(text)
    assert handbook.name == "handbook"
    assert handbook.bucket == "acme-docs"
    assert handbook.prefix == "handbook/"
    assert handbook.endpoint == "http://127.0.0.1:9000"  # trailing slash dropped
    assert handbook.endpoint_url == "http://127.0.0.1:9000"
    assert handbook.region == "us-east-1"
    assert handbook.path_style is True
    assert handbook.credentials.access_key_id_env == "MINIO_ACCESS_KEY"
    assert handbook.credentials.secret_access_key_env == "MINIO_SECRET_KEY"
    assert handbook.credentials.session_token_env == "MINIO_SESSION"
    assert handbook.credentials.method == "keys"
    assert handbook.extensions == [".md", ".txt", ".pdf"]
    assert handbook.include == ["guides/**"]
    assert handbook.exclude == ["drafts/**", "*.tmp"]
    assert handbook.max_file_size == 20_000_000
    assert handbook.document_limit == 500
    assert handbook.tags == {"team": "docs", "year": "2024"}  # values become strings
    assert handbook.tag_regex == "users/(?P<user>[^/]+)/"
    assert handbook.fetch_concurrency == 8
    assert handbook.sync_interval == 300
    assert handbook.max_attempts == 3

    assert public.credentials.anonymous is True
    assert public.credentials.method == "anonymous"
    assert public.endpoint is None and public.endpoint_url is None


def test_defaults() -> None:
    (source,) = parse_sources(one_source(""))
    assert source.prefix == ""
    assert source.extensions == []
    assert source.max_file_size == DEFAULT_MAX_FILE_SIZE
    assert source.document_limit == DEFAULT_DOCUMENT_LIMIT == 10_000
    assert source.credentials.method == "default_chain"
    assert source.tags == {} and source.tag_regex is None


@pytest.mark.parametrize("value", ["unlimited", "none", "null"])
def test_document_limit_unlimited(value: str) -> None:
    (source,) = parse_sources(one_source(f"document_limit: {value}"))
    assert source.document_limit is None


def test_extensions_are_normalised() -> None:
    (source,) = parse_sources(one_source('extensions: [MD, .txt, ".CSV", "  json "]'))
    assert source.extensions == [".md", ".txt", ".csv", ".json"]


def test_leading_slash_of_prefix_is_dropped() -> None:
    (source,) = parse_sources(one_source("prefix: /handbook/"))
    assert source.prefix == "handbook/"


@pytest.mark.parametrize(
    ("endpoint", "use_ssl", "expected"),
    [
        ("minio.local:9000", None, "https://minio.local:9000"),
        ("minio.local:9000", True, "https://minio.local:9000"),
        ("minio.local:9000", False, "http://minio.local:9000"),
        ("http://minio.local:9000", None, "http://minio.local:9000"),
        ("https://minio.local", True, "https://minio.local"),
        ("http://minio.local", False, "http://minio.local"),
    ],
)
def test_endpoint_url_scheme_follows_use_ssl(
    endpoint: str, use_ssl: bool | None, expected: str
) -> None:
    extra = f"endpoint: {endpoint}"
    if use_ssl is not None:
        extra += f"\nuse_ssl: {str(use_ssl).lower()}"
    (source,) = parse_sources(one_source(extra))
    assert source.endpoint_url == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1048576, 1048576),
        ("1048576", 1048576),
        ("20MB", 20_000_000),
        ("20 mb", 20_000_000),
        ("20M", 20_000_000),
        ("1KiB", 1024),
        ("1.5 GiB", int(1.5 * 1024**3)),
        ("2k", 2000),
        ("512B", 512),
        ("1TB", 10**12),
    ],
)
def test_parse_size(value: object, expected: int) -> None:
    assert parse_size(value) == expected


@pytest.mark.parametrize("value", [0, -5, True, "", "MB", "twenty", "0.1", "20XB", "1.2.3MB", [1]])
def test_parse_size_rejects(value: object) -> None:
    with pytest.raises(ValueError, match="size|positive"):
        parse_size(value)


@pytest.mark.parametrize("value", ["20i", "20iB"])
def test_parse_size_rejects_unit_without_scale_with_the_usual_message(value: str) -> None:
    # The size pattern accepts a bare `i`/`iB` unit; it must still be refused with the helpful
    # message, not an internal "substring not found".
    with pytest.raises(ValueError, match="is not a size"):
        parse_size(value)


def test_source_model_validates_directly() -> None:
    source = Source(name="docs", bucket="acme", extensions=["MD"], max_file_size="1KiB")
    assert source.extensions == [".md"]
    assert source.max_file_size == 1024


@pytest.mark.parametrize("value, seconds", [("30s", 30), ("4h", 14400), ("5m", 300), (60, 60),
                                            ("1d", 86400)])
def test_sync_interval_takes_units_like_the_seeds(value, seconds):
    [source] = parse_sources(
        f"sources:\n  - name: a\n    bucket: b\n    sync_interval: {value}\n")
    assert source.sync_interval == seconds
