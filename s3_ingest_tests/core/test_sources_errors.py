"""A sources file with mistakes: one clear message per mistake, naming the file, the source and
the field."""

from __future__ import annotations

import pytest

from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.core.sources.model import SourcesFileError
from s3_ingest_tests.core.sources_yaml import error_of, one_source, yaml_of


def test_unknown_field_names_source_and_field() -> None:
    message = error_of(one_source("extentions: [md]"))
    assert "sources.yaml" in message
    assert "source 'docs'" in message
    assert "'extentions'" in message
    assert "unknown field" in message


def test_unknown_field_of_unnamed_source_uses_its_position() -> None:
    text = yaml_of("""
        sources:
          - name: first
            bucket: b-one
          - bucket: b-two
            colour: blue
        """)
    message = error_of(text)
    assert "source #2" in message
    assert "'name'" in message and "is required" in message
    assert "(and 1 more problem(s))" in message  # the unknown `colour`


def test_wrong_type() -> None:
    message = error_of(one_source("fetch_concurrency: lots"))
    assert "source 'docs'" in message
    assert "'fetch_concurrency'" in message


def test_wrong_type_of_list_field() -> None:
    message = error_of(one_source("exclude: {a: b}"))
    assert "source 'docs'" in message
    assert "'exclude'" in message


def test_regex_that_does_not_compile() -> None:
    message = error_of(one_source("tag_regex: 'users/(?P<user>[^/]+'"))
    assert "source 'docs'" in message
    assert "'tag_regex'" in message
    assert "does not compile" in message


def test_regex_without_named_group() -> None:
    message = error_of(one_source("tag_regex: 'users/([^/]+)/'"))
    assert "source 'docs'" in message
    assert "'tag_regex'" in message
    assert "named group" in message


def test_regex_length_limit() -> None:
    base = "(?P<user>[^/]+)"
    just_under = base + "x" * (199 - len(base))
    assert len(just_under) == 199
    (source,) = parse_sources(one_source(f"tag_regex: '{just_under}'"))
    assert source.tag_regex == just_under

    at_limit = just_under + "x"
    message = error_of(one_source(f"tag_regex: '{at_limit}'"))
    assert "source 'docs'" in message
    assert "'tag_regex'" in message
    assert "200" in message


def test_duplicate_name() -> None:
    text = yaml_of("""
        sources:
          - name: docs
            bucket: b-one
          - name: docs
            bucket: b-two
        """)
    message = error_of(text)
    assert "source 'docs'" in message
    assert "'name'" in message
    assert "another source" in message


def test_missing_bucket() -> None:
    text = yaml_of("""
        sources:
          - name: docs
        """)
    message = error_of(text)
    assert "source 'docs'" in message
    assert "'bucket'" in message
    assert "required" in message


def test_missing_bucket_of_unnamed_source() -> None:
    text = yaml_of("""
        sources:
          - name: ok
            bucket: fine
          - prefix: x/
        """)
    message = error_of(text)
    assert "source #2" in message
    assert "required" in message


@pytest.mark.parametrize("bucket", ["s3://acme-docs", "acme/docs", "' acme'", "''"])
def test_bucket_must_be_bare(bucket: str) -> None:
    message = error_of(one_source("").replace("bucket: acme-docs", f"bucket: {bucket}"))
    assert "source 'docs'" in message
    assert "'bucket'" in message
    assert "bare bucket name" in message


def test_bad_size() -> None:
    message = error_of(one_source("max_file_size: twenty megabytes"))
    assert "source 'docs'" in message
    assert "'max_file_size'" in message
    assert "twenty megabytes" in message


@pytest.mark.parametrize("value", ["-3", "lots", "1.5", "false"])
def test_bad_document_limit(value: str) -> None:
    message = error_of(one_source(f"document_limit: {value}"))
    assert "source 'docs'" in message
    assert "'document_limit'" in message


@pytest.mark.parametrize(
    ("endpoint", "use_ssl"), [("http://minio:9000", "true"), ("https://minio:9000", "false")]
)
def test_endpoint_contradicting_use_ssl(endpoint: str, use_ssl: str) -> None:
    message = error_of(one_source(f"endpoint: {endpoint}\nuse_ssl: {use_ssl}"))
    assert "source 'docs'" in message
    assert "endpoint" in message and "use_ssl" in message
    assert "contradicts" in message


def test_endpoint_with_other_scheme() -> None:
    message = error_of(one_source("endpoint: ftp://minio:9000"))
    assert "source 'docs'" in message
    assert "'endpoint'" in message


@pytest.mark.parametrize("name", ["1docs", "my-docs", "docs.v2", "a" * 64])
def test_invalid_source_name(name: str) -> None:
    message = error_of(one_source("", name=f"'{name}'"))
    assert "'name'" in message
    assert "letter" in message


def test_source_name_with_trailing_newline_is_rejected() -> None:
    # Names become Dagster asset names; `$` in the name pattern also matches before a final
    # newline, so "docs\n" must not slip through.
    message = error_of(one_source("", name='"docs\\n"'))
    assert "'name'" in message


@pytest.mark.parametrize("value", ["soon", "3", "-1m", "1.5h"])
def test_bad_sync_interval(value: str) -> None:
    message = error_of(one_source(f"sync_interval: '{value}'"))
    assert "source 'docs'" in message
    assert "'sync_interval'" in message


def test_several_problems_are_one_message_that_counts_the_rest() -> None:
    message = error_of(one_source("max_file_size: nope\nfetch_concurrency: nope\ncolour: x"))
    assert "source 'docs'" in message
    assert "(and 2 more problem(s))" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "lists no sources"),
        ("sources: []\n", "lists no sources"),
        ("- a\n- b\n", "mapping"),
        ("sources: [\n", "not valid YAML"),
    ],
)
def test_file_level_errors(text: str, expected: str) -> None:
    # YAML syntax errors keep the parser's (multi-line) pointer to the bad spot.
    message = error_of(text, origin="conf/sources.yaml", one_line=False)
    assert message.startswith("conf/sources.yaml: ")
    assert expected in message


@pytest.mark.parametrize("value", ["2s", "soon", "-5m"])
def test_a_bad_or_too_short_sync_interval_names_the_field(value):
    with pytest.raises(SourcesFileError, match="source 'a': field 'sync_interval'"):
        parse_sources(f"sources:\n  - name: a\n    bucket: b\n    sync_interval: {value}\n")
