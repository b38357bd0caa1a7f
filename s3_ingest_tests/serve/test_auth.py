"""Tokens: looked up among all configured ones, never echoed in an error, anonymous access only
when asked for."""

from __future__ import annotations

import pytest

from s3_ingest.serve.auth import TOKENS_ENV_VAR, TokenConfigError, bearer, load_tokens
from s3_ingest_tests.serve.corpus import ALICE_TOKEN, STAFF_TOKEN, TOKENS_YAML, write_tokens


def test_a_token_maps_to_its_principals(tmp_path):
    tokens = load_tokens(write_tokens(tmp_path))
    assert tokens.caller(ALICE_TOKEN).principals == {"user:alice"}
    assert tokens.caller(STAFF_TOKEN).principals == {"user:bob", "group:staff"}
    assert tokens.caller(ALICE_TOKEN + "x") is None
    assert tokens.caller(ALICE_TOKEN[:-1]) is None
    assert tokens.caller(None) is None and tokens.caller("") is None
    assert ALICE_TOKEN not in repr(tokens)


def test_tokens_come_from_the_environment_too(monkeypatch):
    monkeypatch.setenv(TOKENS_ENV_VAR, TOKENS_YAML)
    assert load_tokens().caller(STAFF_TOKEN).name == "bob"


def test_no_tokens_and_no_explicit_anonymous_mode_is_refused(monkeypatch):
    monkeypatch.delenv(TOKENS_ENV_VAR, raising=False)
    with pytest.raises(TokenConfigError, match="allow-anonymous"):
        load_tokens()
    anonymous = load_tokens(anonymous_groups=["public"])
    assert anonymous.caller(None).principals == {"group:public"}
    assert anonymous.caller("not-a-token-at-all-000") is None  # a wrong token is still wrong


@pytest.mark.parametrize("text, message", [
    ('tokens:\n  "short": {user: a}\n', "at least 16"),
    ('tokens:\n  "secret-secret-secret-1": [a, b]\n', "must map to"),
    ('tokens:\n  "secret-secret-secret-1": {user: a, admin: true}\n', "must map to"),
    ('tokens:\n  "secret-secret-secret-1": {}\n', "names no user and no group"),
    ('tokens: {"secret-secret-secret-1": [unclosed\n', "not valid YAML"),
])
def test_bad_token_files_fail_without_echoing_a_token(tmp_path, text, message):
    path = tmp_path / "tokens.yaml"
    path.write_text(text)
    with pytest.raises(TokenConfigError, match=message) as caught:
        load_tokens(path)
    assert "secret-secret" not in str(caught.value) and "short" not in str(caught.value)


def test_bearer_header_parsing():
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None and bearer("Bearer ") is None and bearer(None) is None
