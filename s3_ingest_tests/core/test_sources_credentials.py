"""A source's credentials: unknown fields, secrets written where a variable's name belongs (refused
without echoing them), and methods that conflict."""

from __future__ import annotations

import pytest

from s3_ingest_tests.core.sources_yaml import error_of, one_source


def test_unknown_credentials_field() -> None:
    message = error_of(one_source("credentials: {secret_access_key: abc}"))
    assert "source 'docs'" in message
    assert "credentials.secret_access_key" in message
    assert "unknown field" in message


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
