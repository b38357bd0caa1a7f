"""`search` and `failures` read an index and never create one; `failures` says why each object
is not searchable by its text."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.cli.test_main import run_cli

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("command", [["search", "anything"], ["failures"]])
def test_reading_an_index_that_does_not_exist_exits_2_and_creates_nothing(tmp_path, command):
    missing = tmp_path / "nowhere" / "index.db"
    result = run_cli(*command, "--index", str(missing), cwd=tmp_path)
    assert result.returncode == 2
    assert f"no index at {missing}: run `s3-ingest sync` first" in result.stderr
    assert not (tmp_path / "nowhere").exists()
    assert not (tmp_path / ".s3_ingest").exists()


def doc(key: str, status: str, reason: str | None) -> Document:
    return Document(source="docs", bucket="b", key=key, rel_path=key, partition="a/", size=1,
                    etag="e", last_modified=NOW, text=None if reason else "t", status=status,
                    reason=reason)


def test_failures_shows_each_objects_reason(tmp_path):
    path = str(tmp_path / "index.db")
    index = SqliteIndex(path)
    index.upsert([
        doc("a/fine.md", "indexed", None),
        doc("a/broken.pdf", "metadata_only", "extraction error: PdfReadError"),
        doc("a/cold.md", "metadata_only", "archived"),
    ])
    index.record_failures("docs", "a/", [("a/secret.pdf", "access denied (AccessDenied, 403)")])
    index.close()

    text = run_cli("failures", "--index", path, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "docs:a/broken.pdf  metadata only: extraction error: PdfReadError"
    assert lines[1] == "docs:a/cold.md  metadata only: archived"
    assert lines[2].startswith("docs:a/secret.pdf  not fetched: access denied (AccessDenied, 403)")
    assert len(lines) == 3 and "failed_objects" not in text.stdout + text.stderr

    as_json = run_cli("failures", "--index", path, "--json", cwd=tmp_path)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["key"], r["status"], r["reason"]) for r in records] == [
        ("a/broken.pdf", "metadata_only", "extraction error: PdfReadError"),
        ("a/cold.md", "metadata_only", "archived"),
        ("a/secret.pdf", "not_fetched", "access denied (AccessDenied, 403)"),
    ]
