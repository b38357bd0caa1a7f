"""A source's access list: key prefixes mapped to the users and groups who may read them, in the
shape of Amazon Kendra's S3 access control list file (issue 24).

    acl:                                    # in a source of the sources file, or
      - keyPrefix: hr/                      # acl: path/to/kendra-acl.json
        aclEntries:
          - {Name: alice, Type: USER, Access: ALLOW}
          - {Name: hr, Type: GROUP, Access: ALLOW}
          - {Name: contractors, Type: GROUP, Access: DENY}

A key takes the entries of the LONGEST keyPrefix it starts with (the most specific rule wins);
a prefix may be a bare key prefix or Kendra's `s3://bucket/prefix`. This mirrors the ACL file:
it is not S3's IAM, and nothing here asks S3 who may read an object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_NAME_CHARS = 256


class AclEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    Name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    Type: Literal["USER", "GROUP"]
    Access: Literal["ALLOW", "DENY"] = "ALLOW"


class AclRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keyPrefix: str
    aclEntries: list[AclEntry]


_RULES = TypeAdapter(list[AclRule])


def principal(kind: str, name: str) -> str:
    """How a principal is written in the index and in tokens: `user:alice`, `group:hr` (a user
    and a group of one name stay apart)."""
    return f"{kind.lower()}:{name}"


def deny_mark(name: str) -> str:
    """A denied principal, stored beside the allowed ones."""
    return "!" + name


def load_rules(spec: str | list[AclRule] | None, bucket: str,
               base: Path | None = None) -> list[AclRule] | None:
    """The rules of a source's `acl` field: inline, or read from a Kendra ACL JSON file."""
    if spec is None:
        return None
    if isinstance(spec, str):
        path = Path(spec).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            rules = _RULES.validate_python(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            raise ValueError(f"ACL file {path}: at {where or 'top level'}: {first['msg']}") from None
        except (OSError, ValueError) as exc:
            raise ValueError(f"ACL file {path}: {type(exc).__name__}: {_first_line(exc)}") from None
    else:
        try:
            rules = _RULES.validate_python(list(spec))
        except ValidationError as exc:
            raise ValueError(f"inline ACL: {exc.errors()[0]['msg']}") from None
    for rule in rules:
        key_prefix(rule.keyPrefix, bucket)  # validates the bucket of s3:// prefixes
    return rules


def key_prefix(prefix: str, bucket: str) -> str:
    """The key prefix of a rule: `s3://bucket/p` must name the source's bucket."""
    if not prefix.startswith("s3://"):
        return prefix
    named, _, rest = prefix.removeprefix("s3://").partition("/")
    if named != bucket:
        raise ValueError(f"ACL keyPrefix {prefix!r} names bucket {named!r}, not {bucket!r}")
    return rest


def compiled(rules: Iterable[AclRule], bucket: str) -> dict[str, list[str]]:
    """key prefix -> the principals stored on documents under it (denied ones marked)."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        marks = out.setdefault(key_prefix(rule.keyPrefix, bucket), [])
        for entry in rule.aclEntries:
            name = principal(entry.Type, entry.Name)
            marks.append(deny_mark(name) if entry.Access == "DENY" else name)
    return {prefix: sorted(set(marks)) for prefix, marks in out.items()}


def rules_hash(compiled_rules: dict[str, list[str]] | None) -> str:
    """What the index records to tell whether a source's ACL changed since it was applied."""
    text = json.dumps(compiled_rules, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else ""


def source_acls(sources: Iterable[object], base: Path | None = None) -> dict[str, dict[str, list[str]] | None]:
    """source name -> its compiled ACL (None: the source names none), for apply_acls."""
    out: dict[str, dict[str, list[str]] | None] = {}
    for source in sources:
        name, bucket = getattr(source, "name"), getattr(source, "bucket")
        try:
            rules = load_rules(getattr(source, "acl", None), bucket, base)
        except ValueError as exc:
            raise ValueError(f"source {name!r}: field 'acl': {exc}") from None
        out[name] = None if rules is None else compiled(rules, bucket)
    return out
