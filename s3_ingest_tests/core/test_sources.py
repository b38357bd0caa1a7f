"""The sources file: parsing, normalisation, and one clear message per mistake."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from s3_ingest.core.sources import (
    DEFAULT_DOCUMENT_LIMIT,
    DEFAULT_MAX_FILE_SIZE,
    SOURCES_ENV_VAR,
    Source,
    SourcesFileError,
    load_sources,
    parse_size,
    parse_sources,
)


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


# ------------------------------------------------------------------------------ valid files


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


# ------------------------------------------------------------------------------- sizes


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


# ------------------------------------------------------------------------------ errors


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


def test_unknown_credentials_field() -> None:
    message = error_of(one_source("credentials: {secret_access_key: abc}"))
    assert "source 'docs'" in message
    assert "credentials.secret_access_key" in message
    assert "unknown field" in message


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
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE/abc+def",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "abc+def=",
        "1LEADING_DIGIT",
    ],
)
def test_secret_in_place_of_env_var_name_is_rejected_without_echoing_it(value: str) -> None:
    extra = f"credentials:\n  access_key_id_env: '{value}'\n  secret_access_key_env: S3_SECRET"
    message = error_of(one_source(extra))
    assert "source 'docs'" in message
    assert "credentials.access_key_id_env" in message
    assert "NAME of an environment variable" in message
    assert value not in message


def test_env_var_name_with_trailing_newline_is_rejected() -> None:
    extra = 'credentials:\n  access_key_id_env: "S3_KEY\\n"\n  secret_access_key_env: S3_SECRET'
    message = error_of(one_source(extra))
    assert "credentials.access_key_id_env" in message


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ("{access_key_id_env: K, secret_access_key_env: S, profile: dev}", "choose one"),
        ("{profile: dev, anonymous: true}", "choose one"),
        ("{access_key_id_env: K, secret_access_key_env: S, anonymous: true}", "choose one"),
        ("{access_key_id_env: K}", "go together"),
        ("{secret_access_key_env: S}", "go together"),
        ("{session_token_env: T}", "session_token_env"),
    ],
)
def test_conflicting_credential_methods(credentials: str, expected: str) -> None:
    message = error_of(one_source(f"credentials: {credentials}"))
    assert "source 'docs'" in message
    assert "'credentials'" in message
    assert expected in message


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


def test_source_model_validates_directly() -> None:
    source = Source(name="docs", bucket="acme", extensions=["MD"], max_file_size="1KiB")
    assert source.extensions == [".md"]
    assert source.max_file_size == 1024


# ----------------------------------------------------------------------------- interpolation


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


# ------------------------------------------------------------------------------- loading


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


@pytest.mark.parametrize("value, seconds", [("30s", 30), ("4h", 14400), ("5m", 300), (60, 60),
                                            ("1d", 86400)])
def test_sync_interval_takes_units_like_the_seeds(value, seconds):
    [source] = parse_sources(
        f"sources:\n  - name: a\n    bucket: b\n    sync_interval: {value}\n")
    assert source.sync_interval == seconds


@pytest.mark.parametrize("value", ["2s", "soon", "-5m"])
def test_a_bad_or_too_short_sync_interval_names_the_field(value):
    with pytest.raises(SourcesFileError, match="source 'a': field 'sync_interval'"):
        parse_sources(f"sources:\n  - name: a\n    bucket: b\n    sync_interval: {value}\n")
