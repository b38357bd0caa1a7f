"""`search` and `failures` read an index and never create one; `failures` says why each object
is not searchable by its text."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.conftest import put_objects

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


def test_search_answers_without_importing_dagster(local_s3, s3_client, bucket, tmp_path):
    """An application or a shell searching the index pays for no orchestrator."""
    import subprocess
    import sys

    put_objects(s3_client, bucket, {"a/1.md": "kestrels hover over the dunes"})
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    index = str(tmp_path / "i.db")
    assert run_cli("sync", "--sources", str(sources), "--index", index, cwd=tmp_path).returncode == 0
    probe = ("import sys, runpy; sys.argv = ['s3-ingest', 'search', 'kestrels', '--index', "
             f"{index!r}]\ntry:\n    runpy.run_module('s3_ingest.cli.main', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('DAGSTER IMPORTED' if 'dagster' in sys.modules else 'NO DAGSTER')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert "a/1.md" in result.stdout and "NO DAGSTER" in result.stdout, result.stdout
    # Once chunks exist the default is hybrid, which embeds the query: still no Dagster, and no
    # PyTorch either (the model runs on NumPy).
    chunks = run_cli("chunks", "--sources", str(sources), "--index", index, cwd=tmp_path)
    assert chunks.returncode == 0, chunks.stderr
    probe = probe.replace("'kestrels'", "'birds of prey above sand hills'", 1).replace(
        "'NO DAGSTER')", "'NO DAGSTER'); print('TORCH' if 'torch' in sys.modules else 'NO TORCH')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert "a/1.md" in result.stdout and "hybrid" in result.stdout, result.stdout
    assert "NO DAGSTER" in result.stdout and "NO TORCH" in result.stdout, result.stdout


def test_the_demo_without_the_demo_extra_says_how_to_get_it(tmp_path):
    """A production install leaves moto out; the demo then says which extra brings it."""
    import subprocess
    import sys

    probe = ("import sys, runpy\nsys.modules['moto'] = sys.modules['moto.server'] = None\n"
             "sys.argv = ['s3-ingest', 'demo']\n"
             "runpy.run_module('s3_ingest.cli.main', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    assert "pip install 's3_ingest[demo]'" in result.stderr and "Traceback" not in result.stderr


def test_search_prints_a_rank_and_a_relevance_from_0_to_1_and_json_keeps_the_raw_score(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"a/1.md": "kestrels kestrels kestrels",
                                    "a/2.md": "kestrels and owls", "a/3.md": "owls only"})
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    index = str(tmp_path / "i.db")
    assert run_cli("sync", "--sources", str(sources), "--index", index, cwd=tmp_path).returncode == 0
    text = run_cli("search", "kestrels", "--mode", "keyword", "--index", index, cwd=tmp_path).stdout
    assert " 1. docs:a/1.md  (relevance 1.00, keyword)" in text
    assert "e-0" not in text  # no 1.8e-06 for a person to read
    hits = [json.loads(line) for line in run_cli(
        "search", "kestrels", "--mode", "keyword", "--json", "--index", index,
        cwd=tmp_path).stdout.splitlines()]
    assert hits[0]["relevance"] == 1.0 and 0 < hits[1]["relevance"] < 1
    assert isinstance(hits[0]["score"], float) and hits[0]["score"] >= hits[1]["score"]
