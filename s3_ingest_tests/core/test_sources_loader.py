"""Reading the sources file: ${VAR} interpolation (defaults, missing variables, numbers, never in
credentials) and loading it from a path or $S3_INGEST_SOURCES."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from s3_ingest.core.sources.loader import load_sources, parse_sources
from s3_ingest.core.sources.model import SOURCES_ENV_VAR, SourcesFileError
from s3_ingest_tests.core.sources_yaml import error_of, one_source


def test_interpolation_with_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3_TEST_ENDPOINT", raising=False)
    monkeypatch.setenv("S3_TEST_BUCKET", "from-env")
    text = one_source(
        "endpoint: ${S3_TEST_ENDPOINT:-http://127.0.0.1:9555}\nprefix: ${S3_TEST_PREFIX:-}"
    ).replace("bucket: acme-docs", "bucket: ${S3_TEST_BUCKET}")
    monkeypatch.delenv("S3_TEST_PREFIX", raising=False)
    (source,) = parse_sources(text)
    assert source.endpoint == "http://127.0.0.1:9555"
    assert source.bucket == "from-env"
    assert source.prefix == ""

    monkeypatch.setenv("S3_TEST_ENDPOINT", "https://minio.example:9000")
    (source,) = parse_sources(text)
    assert source.endpoint == "https://minio.example:9000"


def test_interpolation_default_applies_when_variable_is_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `${VAR:-default}` is the shell's "unset OR empty" form.
    monkeypatch.setenv("S3_TEST_ENDPOINT", "")
    (source,) = parse_sources(one_source("endpoint: ${S3_TEST_ENDPOINT:-http://127.0.0.1:9555}"))
    assert source.endpoint == "http://127.0.0.1:9555"


def test_interpolation_of_a_missing_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3_TEST_MISSING", raising=False)
    message = error_of(one_source("endpoint: ${S3_TEST_MISSING}"), origin="conf/sources.yaml")
    assert "S3_TEST_MISSING" in message
    assert "not set" in message
    assert "endpoint" in message
    # Like every other error of the file: it names the file and the source.
    assert "conf/sources.yaml" in message
    assert "docs" in message


def test_interpolated_numbers_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    # Interpolation always yields text; every numeric field must take it, as they take "8".
    monkeypatch.delenv("S3_TEST_LIMIT", raising=False)
    monkeypatch.delenv("S3_TEST_SIZE", raising=False)
    monkeypatch.delenv("S3_TEST_CONCURRENCY", raising=False)
    (source,) = parse_sources(
        one_source(
            "max_file_size: ${S3_TEST_SIZE:-1MB}\n"
            "fetch_concurrency: ${S3_TEST_CONCURRENCY:-4}\n"
            "document_limit: ${S3_TEST_LIMIT:-250}"
        )
    )
    assert source.max_file_size == 1_000_000
    assert source.fetch_concurrency == 4
    assert source.document_limit == 250


def test_credentials_are_not_interpolated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3_TEST_NOT_SET", raising=False)
    extra = "credentials:\n  profile: '${S3_TEST_NOT_SET}'"
    (source,) = parse_sources(one_source(extra))
    assert source.credentials.profile == "${S3_TEST_NOT_SET}"


def test_load_sources_missing_file_mentions_env_var(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SourcesFileError) as info:
        load_sources(missing)
    assert str(missing) in str(info.value)
    assert SOURCES_ENV_VAR in str(info.value)


def test_load_sources_from_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "my-sources.yaml"
    path.write_text(one_source("prefix: a/"), encoding="utf-8")
    monkeypatch.setenv(SOURCES_ENV_VAR, str(path))
    (source,) = load_sources()
    assert (source.name, source.prefix) == ("docs", "a/")


def test_load_sources_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(one_source("max_file_size: huge"), encoding="utf-8")
    with pytest.raises(SourcesFileError, match=re.escape(str(path)) + ".*source 'docs'"):
        load_sources(path)
