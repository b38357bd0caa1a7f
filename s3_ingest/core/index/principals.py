"""Who may see each document (issue 24): the principals a source's ACL (core/sources/acl.py) allows,
stored on the document so search can filter by them BEFORE ranking.

Layout (schema version 4): `documents.principals`, a JSON array (`user:alice`, `group:hr`, and
`!group:x` for a denied one) or NULL where no ACL entry covers the document; `acl_rules`, each
source's compiled rules, which a trigger reads to give a newly inserted document its principals;
`acl_state`, the hash of the rules each source's documents were last given. `apply_acls`
changes a source's principals with one UPDATE when that hash changes: no body is refetched.

A caller's `Access` sees a document when one of its principals is allowed and none is denied;
a document no entry covers is visible unless `deny_unlisted` is set.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from s3_ingest.core.sources.acl import deny_mark, rules_hash


@dataclass(frozen=True, slots=True)
class Access:
    """The principals a search runs for, and what a document with no ACL entry means."""

    principals: frozenset[str]
    deny_unlisted: bool = False

    def allowed_json(self) -> str:
        return json.dumps(sorted(self.principals), ensure_ascii=False)

    def denied_json(self) -> str:
        return json.dumps(sorted(deny_mark(p) for p in self.principals), ensure_ascii=False)

    def may_see(self, stored: list[str] | None) -> bool:
        if stored is None:
            return not self.deny_unlisted
        marks = set(stored)
        denied = any(deny_mark(p) in marks for p in self.principals)
        return not denied and any(p in marks for p in self.principals)


# ------------------------------------------------------------------------------ schema v4

def schema_v4(conn: Any, types: Any, prefix: str) -> list[str]:
    """The DDL of version 4 for a backend whose column types are `types` (schema.ColumnTypes).
    Each statement may run again on a database that has its effect already."""
    postgres = types.json == "jsonb"
    if postgres:
        add = f"ALTER TABLE {prefix}documents ADD COLUMN IF NOT EXISTS principals {types.json}"
    else:
        has = any(row[1] == "principals" for row in conn.execute("PRAGMA table_info(documents)"))
        add = "" if has else f"ALTER TABLE documents ADD COLUMN principals {types.json}"
    tables = [
        *([add] if add else []),
        f"CREATE TABLE IF NOT EXISTS {prefix}acl_rules (source {types.text} NOT NULL, "
        f"prefix {types.key} NOT NULL, principals {types.json} NOT NULL, UNIQUE (source, prefix))",
        f"CREATE TABLE IF NOT EXISTS {prefix}acl_state (source {types.text} NOT NULL UNIQUE, "
        f"acl_hash {types.text} NOT NULL)",
    ]
    if postgres:
        # BEFORE INSERT: the row is written once with its principals. An upsert that updates
        # leaves them alone (the column is not in its SET list).
        return tables + [
            f"""CREATE OR REPLACE FUNCTION {prefix}s3_ingest_document_principals()
            RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.principals := (SELECT r.principals FROM {prefix}acl_rules AS r
                    WHERE r.source = NEW.source AND starts_with(NEW.key, r.prefix)
                    ORDER BY length(r.prefix) DESC LIMIT 1);
                RETURN NEW;
            END $$""",
            f"CREATE OR REPLACE TRIGGER documents_principals BEFORE INSERT ON {prefix}documents "
            f"FOR EACH ROW EXECUTE FUNCTION {prefix}s3_ingest_document_principals()",
        ]
    # SQLite cannot change NEW in a BEFORE trigger: the inserted row is updated, and only for
    # sources that have rules (the others keep NULL without a second write).
    return tables + [
        f"""CREATE TRIGGER IF NOT EXISTS documents_principals AFTER INSERT ON documents
        WHEN EXISTS (SELECT 1 FROM acl_rules WHERE source = new.source)
        BEGIN
            UPDATE documents SET principals = ({_best_rule_sqlite('new.key', 'new.source')})
            WHERE id = new.id;
        END""",
    ]


def _best_rule_sqlite(key: str, source: str) -> str:
    return (f"SELECT r.principals FROM acl_rules AS r WHERE r.source = {source} "
            f"AND substr({key}, 1, length(r.prefix)) = r.prefix "
            "ORDER BY length(r.prefix) DESC LIMIT 1")


_BEST_RULE_POSTGRES = (
    "SELECT r.principals FROM acl_rules AS r WHERE r.source = d.source "
    "AND starts_with(d.key, r.prefix) ORDER BY length(r.prefix) DESC LIMIT 1"
)


# ----------------------------------------------------------------------------- applying

def apply_acls(index: Any, acls: Mapping[str, dict[str, list[str]] | None]) -> list[str]:
    """Give each source's documents the principals of its compiled ACL (None: no ACL), for
    every source whose ACL changed since it was last applied; the names of those sources.
    One transaction: searches see the old principals or the new, never a mix."""
    postgres = index.paramstyle == "format"
    sql = index._sql
    best = _BEST_RULE_POSTGRES if postgres else _best_rule_sqlite("d.key", "d.source")

    def work(conn: Any) -> list[str]:
        stored = dict(conn.execute("SELECT source, acl_hash FROM acl_state").fetchall())
        changed = []
        for source, rules in sorted(acls.items()):
            digest = rules_hash(rules)
            if stored.get(source, rules_hash(None)) == digest:
                continue
            changed.append(source)
            conn.execute(sql("DELETE FROM acl_rules WHERE source = ?"), (source,))
            rows = [(source, prefix, json.dumps(marks, ensure_ascii=False))
                    for prefix, marks in sorted((rules or {}).items())]
            if rows:
                cast = "?::jsonb" if postgres else "?"
                conn.cursor().executemany(sql(
                    f"INSERT INTO acl_rules (source, prefix, principals) VALUES (?, ?, {cast})"
                ), rows)
            differs = "IS DISTINCT FROM" if postgres else "IS NOT"
            conn.execute(sql(f"UPDATE documents AS d SET principals = ({best}) "
                             f"WHERE d.source = ? AND d.principals {differs} ({best})"), (source,))
            conn.execute(sql("DELETE FROM acl_state WHERE source = ?"), (source,))
            conn.execute(sql("INSERT INTO acl_state (source, acl_hash) VALUES (?, ?)"),
                         (source, digest))
        return changed

    return index._write(work)


def stored_principals(index: Any, source: str, key: str) -> tuple[bool, list[str] | None]:
    """(whether the document exists, its stored principals)."""
    sql = index._sql("SELECT principals FROM documents WHERE source = ? AND key = ?")
    params = (index.values.text(source), index.values.text(key))
    row = index._read(lambda conn: conn.execute(sql, params).fetchone())
    if row is None:
        return False, None
    value = row[0]
    return True, (json.loads(value) if isinstance(value, str) else value)


# ------------------------------------------------------------------------- search filters

def sqlite_clause(allowed: str, denied: str, unlisted: str) -> str:
    """The access filter on document `d`, given its three placeholders (JSON arrays of the
    caller's principals and their deny marks; 1 when unlisted documents are visible)."""
    return (f"((d.principals IS NULL AND {unlisted} = 1) OR (EXISTS (SELECT 1 FROM "
            f"json_each(d.principals) AS p WHERE p.value IN (SELECT value FROM json_each({allowed})))"
            f" AND NOT EXISTS (SELECT 1 FROM json_each(d.principals) AS p WHERE p.value IN "
            f"(SELECT value FROM json_each({denied})))))")


def sqlite_params(access: Access) -> tuple[str, str, int]:
    return access.allowed_json(), access.denied_json(), 0 if access.deny_unlisted else 1


def sqlite_qmark(access: Access) -> tuple[str, list[Any]]:
    """The filter with `?` placeholders, and its parameters in the order they appear."""
    allowed, denied, unlisted = sqlite_params(access)
    return sqlite_clause("?", "?", "?"), [unlisted, allowed, denied]


def postgres_clause(name: str) -> str:
    """The access filter on document `d`, with named parameters `<name>_allowed` (text[]),
    `<name>_denied` (text[]) and `<name>_unlisted` (boolean)."""
    return (f"((d.principals IS NULL AND %({name}_unlisted)s) OR "
            f"(d.principals ?| %({name}_allowed)s::text[] "
            f"AND NOT d.principals ?| %({name}_denied)s::text[]))")


def postgres_params(access: Access, name: str) -> dict[str, Any]:
    allowed = sorted(access.principals)
    return {f"{name}_allowed": allowed, f"{name}_denied": [deny_mark(p) for p in allowed],
            f"{name}_unlisted": not access.deny_unlisted}
