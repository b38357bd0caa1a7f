"""Bearer tokens and the principals each stands for (issue 24).

Tokens come from a YAML file or from $S3_INGEST_SERVE_TOKENS (the same YAML, inline):

    tokens:
      "<a long random token>": {user: alice, groups: [hr, staff]}
      "<another>": {groups: [staff]}

A presented token is compared with EVERY configured token in constant time (hmac.compare_digest
over SHA-256 digests, so neither the position of a mismatch nor a token's length shows in the
time taken), and nothing here ever logs or repeats a token: errors name the file and the
entry's position, never its text.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from s3_ingest.core.sources.acl import MAX_NAME_CHARS, principal

TOKENS_ENV_VAR = "S3_INGEST_SERVE_TOKENS"
MIN_TOKEN_CHARS = 16


class TokenConfigError(ValueError):
    """The tokens cannot be used; the message never holds a token."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: a name for logs (the user, never the token) and their principals."""

    name: str
    principals: frozenset[str]


class TokenStore:
    def __init__(self, callers: Mapping[str, Caller], anonymous: Caller | None = None) -> None:
        self._entries = [(hashlib.sha256(t.encode()).digest(), c) for t, c in callers.items()]
        self.anonymous = anonymous

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:  # never the tokens
        return f"TokenStore({len(self)} tokens, anonymous={self.anonymous is not None})"

    def caller(self, token: str | None) -> Caller | None:
        """The caller a presented token stands for; None when it matches no token. Without a
        token: the anonymous caller when configured, else None."""
        if not token:
            return self.anonymous
        digest = hashlib.sha256(token.encode("utf-8", "replace")).digest()
        found = None
        for known, caller in self._entries:  # no early exit: every token is compared
            if hmac.compare_digest(digest, known):
                found = caller
        return found


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def load_tokens(path: str | os.PathLike[str] | None = None, *, anonymous_groups: list[str] | None
                = None) -> TokenStore:
    """Tokens from `path`, else from $S3_INGEST_SERVE_TOKENS. `anonymous_groups` (None: no
    anonymous access) are the groups of a caller who presents no token."""
    if path is not None:
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TokenConfigError(f"{origin}: cannot read the tokens file ({exc.strerror})") from None
    else:
        origin = f"${TOKENS_ENV_VAR}"
        text = os.environ.get(TOKENS_ENV_VAR, "")
    anonymous = None
    if anonymous_groups is not None:
        anonymous = Caller("anonymous", frozenset(principal("group", g) for g in anonymous_groups))
    if not text.strip():
        if anonymous is None:
            raise TokenConfigError(
                f"no tokens: give --tokens FILE or set {TOKENS_ENV_VAR} (anonymous access must "
                "be asked for explicitly with --allow-anonymous)")
        return TokenStore({}, anonymous)
    return TokenStore(_parse(text, origin), anonymous)


def _parse(text: str, origin: str) -> dict[str, Caller]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        # The parser's message quotes the offending line, which may hold a token.
        raise TokenConfigError(f"{origin}: not valid YAML") from None
    entries = raw.get("tokens") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise TokenConfigError(f"{origin}: must be a mapping with a non-empty `tokens:` mapping")
    callers: dict[str, Caller] = {}
    for number, (token, spec) in enumerate(entries.items(), 1):
        where = f"{origin}: token #{number}"
        if not isinstance(token, str) or len(token) < MIN_TOKEN_CHARS:
            raise TokenConfigError(f"{where}: a token must be a string of at least "
                                   f"{MIN_TOKEN_CHARS} characters")
        callers[token] = _caller(spec, where)
    return callers


def _caller(spec: Any, where: str) -> Caller:
    if not isinstance(spec, dict) or set(spec) - {"user", "groups"}:
        raise TokenConfigError(f"{where}: must map to {{user: NAME, groups: [NAME, ...]}}")
    user, groups = spec.get("user"), spec.get("groups") or []
    if user is not None and not _name(user):
        raise TokenConfigError(f"{where}: field 'user' must be a non-empty name")
    if not isinstance(groups, list) or not all(_name(g) for g in groups):
        raise TokenConfigError(f"{where}: field 'groups' must be a list of names")
    if user is None and not groups:
        raise TokenConfigError(f"{where}: names no user and no group")
    marks = {principal("group", g) for g in groups}
    if user is not None:
        marks.add(principal("user", user))
    return Caller(user or f"groups {','.join(sorted(groups))}", frozenset(marks))


def _name(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_NAME_CHARS
