"""`s3-ingest sync` says what changed, key by key, and what it left alone: real processes
against a real S3 endpoint. Also the selection globs as the README states them, and the
content-type filter reading the type detected from the bytes."""

from __future__ import annotations

import json

from s3_ingest.sample import CORPUS_DIR
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.conftest import put_objects

PDF = (CORPUS_DIR / "reports" / "q3-2024-financial-summary.pdf").read_bytes()


def test_sync_lists_added_modified_deleted_keys_and_says_when_nothing_changed(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {
        "a/1.md": "one", "a/2.md": "two", "a/3.md": "three",
        "hr/policy.md": "# Policy\nKestrels may nest on the roof.",
        "hr/drafts/reorg.md": "# Reorg\nA draft nobody should find.",  # the README's exclude
    })
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket,
                            exclude=["drafts/**"])
    index = str(tmp_path / "i.db")
    sync = ("sync", "--sources", str(sources), "--index", index)

    first = run_cli(*sync, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "ok    docs hr/: listed 2, skipped 1 (excluded 1), selected 1: unchanged 0, " \
           "indexed 1, metadata-only 0, failed 0; deleted 0" in first.stdout
    assert "+ added    hr/policy.md" in first.stdout and "reorg" not in first.stdout
    assert all(f"+ added    a/{n}.md" in first.stdout for n in (1, 2, 3))

    s3_client.put_object(Bucket=bucket, Key="a/1.md", Body=b"one, rewritten")
    s3_client.delete_object(Bucket=bucket, Key="a/2.md")
    put_objects(s3_client, bucket, {"a/4.md": "four"})
    second = run_cli(*sync, "--max-keys", "2", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    shown = [line.split()[1:] for line in second.stdout.splitlines()
             if line.startswith("      ") and line.split()[0] in "+~-!"]
    assert len(shown) == 2 and all(kind in ("added", "modified", "deleted") for kind, _ in shown)
    assert "… and 1 more changed key(s)" in second.stdout
    assert "indexed 2," in second.stdout and "deleted 1" in second.stdout

    s3_client.put_object(Bucket=bucket, Key="a/3.md", Body=b"three, rewritten")
    s3_client.delete_object(Bucket=bucket, Key="a/4.md")
    third = run_cli(*sync, "--json", cwd=tmp_path)
    assert third.returncode == 0, third.stderr
    summary = json.loads(third.stdout)
    assert summary["changed"] == {
        "added": [], "modified": [{"source": "docs", "key": "a/3.md"}],
        "deleted": [{"source": "docs", "key": "a/4.md"}], "failed": []}
    assert summary["nothing_changed"] is False and summary["changed_left_out"] == 0
    totals = summary["totals"]
    # a/1.md, a/3.md, hr/policy.md and the excluded draft; a/1.md and hr/policy.md unchanged
    assert totals["listed"] == 4 and totals["skipped"] == 1 and totals["selected"] == 3
    assert totals["unchanged"] == 2 and totals["indexed"] == 1 and totals["deleted"] == 1

    again = run_cli(*sync, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "scan  docs: 4 keys listed, skipped 1 (excluded 1); nothing changed" in again.stdout
    assert "nothing changed: 4 keys listed, 3 selected, 3 unchanged" in again.stdout
    assert json.loads(run_cli(*sync, "--json", cwd=tmp_path).stdout)["nothing_changed"] is True


def test_content_type_filters_on_the_detected_type_and_keeps_the_header(
    local_s3, s3_client, bucket, tmp_path
):
    # Uploaded without a ContentType and without an extension: S3 says binary/octet-stream.
    put_objects(s3_client, bucket, {"papers/q3-summary": PDF,
                                    "papers/notes.md": "# Notes\nQuarterly revenue notes."})
    assert s3_client.head_object(Bucket=bucket, Key="papers/q3-summary")["ContentType"] == \
        "binary/octet-stream"
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    index = str(tmp_path / "i.db")
    assert run_cli("sync", "--sources", str(sources), "--index", index,
                   cwd=tmp_path).returncode == 0

    found = run_cli("search", "revenue", "--content-type", "application/pdf", "--json",
                    "--index", index, cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert [(h["key"], h["content_type"], h["detected_type"]) for h in hits] == [
        ("papers/q3-summary", "binary/octet-stream", "application/pdf")]
    markdown = run_cli("search", "revenue", "--content-type", "text/markdown", "--json",
                       "--index", index, cwd=tmp_path)
    assert [json.loads(line)["key"] for line in markdown.stdout.splitlines()] == [
        "papers/notes.md"]
    header = run_cli("search", "revenue", "--content-type", "binary/octet-stream",
                     "--index", index, cwd=tmp_path)
    assert header.returncode == 0 and "no matches" in header.stderr
