"""Issue 19, one pipeline, as a user meets it: `s3-ingest sync` brings documents and their
chunks in step through runs of the source's sync job; after a `sync --no-chunks` search never
reads chunks cut from old text, says so, and still finds what changed by keyword; documents
without chunks (metadata-only, or behind) are found in every mode. Real processes, a real S3
endpoint, the real offline model. Heavier than most tests (about twenty short CLI processes):
it is the issue's scenario end to end, each step the command a user types, which is what
broke before."""

from __future__ import annotations

import json
import os
import subprocess

from s3_ingest_tests.cli.test_main import CLI, write_sources
from s3_ingest_tests.conftest import put_objects

POLICY = ("# Remote work\n\nOffice staff may work from home up to {n} days a week with a "
          "company laptop; warehouse roles stay on site.")


def cli(*args: str, cwd, home=None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "S3_INGEST_SOURCES",
                                                            "S3_INGEST_INDEX_URL")}
    if home is not None:
        env["DAGSTER_HOME"] = str(home)
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=240)


def hits(result: subprocess.CompletedProcess[str]) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_sync_keeps_chunks_in_step_and_search_never_reads_stale_ones(
        local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {
        "hr/remote.md": POLICY.format(n="three"),
        "hr/payroll.md": "# Salary\n\nWages are transferred on the 25th of each month.",
        "fin/invoices.md": "# Invoices\n\nSupplier invoices are paid within 30 days.",
        "fin/[broken-report].pdf": b"%PDF-1.4 this is not a real pdf at all",
    })
    sources = write_sources(tmp_path / "sources.yaml", local_s3.endpoint_url, bucket)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    index = str(tmp_path / "index.db")
    base = ("--index", index)

    synced = cli("sync", "--sources", str(sources), *base, cwd=tmp_path, home=home)
    assert synced.returncode == 0, synced.stderr
    assert "chunks written 1, reused 0, deleted 0, embedded 1" in synced.stdout  # hr/
    # A new user's first search after `sync` is by meaning: no separate chunks command.
    [best, *_] = hits(cli("search", "staff leave rules from home", "--json", *base, cwd=tmp_path))
    assert (best["key"], best["mode"]) == ("hr/remote.md", "hybrid")
    assert "semantic" in best["matched_by"]
    # A metadata-only document is found by its key once chunks exist, in every mode.
    for mode in ("keyword", "semantic", "hybrid"):
        found = hits(cli("search", "broken-report", "--mode", mode, "--json", *base,
                         cwd=tmp_path))
        assert ("fin/[broken-report].pdf", ["keyword"]) in [
            (h["key"], h["matched_by"]) for h in found], mode
    status = cli("status", "--sources", str(sources), *base, cwd=tmp_path)
    assert "chunks: 3, in step" in status.stdout, status.stdout

    # The scenario: a changed policy, a deleted file, a new one; chunks skipped.
    put_objects(s3_client, bucket, {"hr/remote.md": POLICY.format(n="four"),
                                    "hr/drafts/reorg.md": "# Reorganisation\n\nThe depot "
                                    "teams merge into one logistics unit in spring."})
    s3_client.delete_object(Bucket=bucket, Key="hr/payroll.md")
    skipped = cli("sync", "--no-chunks", "--sources", str(sources), *base, cwd=tmp_path,
                  home=home)
    assert skipped.returncode == 0, skipped.stderr
    assert "chunks written" not in skipped.stdout

    keyword = cli("search", "four days", "--mode", "keyword", "--json", *base, cwd=tmp_path)
    assert [h["key"] for h in hits(keyword)][:1] == ["hr/remote.md"]
    assert "2 documents changed or added since their chunks were cut" in keyword.stderr
    assert "`s3-ingest sync`" in keyword.stderr
    hybrid = hits(cli("search", "three days at home", "--json", *base, cwd=tmp_path))
    assert not any("three days" in json.dumps(h) for h in hybrid)  # the old text is gone
    assert "hr/payroll.md" not in {h["key"] for h in hits(cli(
        "search", "wages salary", "--json", *base, cwd=tmp_path))}
    for mode in ("keyword", "semantic", "hybrid"):
        found = hits(cli("search", "reorganisation", "--mode", mode, "--json", *base,
                         cwd=tmp_path))
        assert "hr/drafts/reorg.md" in {h["key"] for h in found}, mode
    status = cli("status", "--sources", str(sources), *base, cwd=tmp_path)
    assert "2 documents behind" in status.stdout and "`s3-ingest sync`" in status.stdout

    # Nothing changed in the bucket since: `sync` still brings the chunks in step.
    caught_up = cli("sync", "--sources", str(sources), *base, cwd=tmp_path, home=home)
    assert caught_up.returncode == 0, caught_up.stderr
    assert "docs hr/: chunks written" in caught_up.stdout
    after = cli("search", "four days", "--mode", "hybrid", "--json", *base, cwd=tmp_path)
    [top, *_] = hits(after)
    assert top["key"] == "hr/remote.md" and top["chunk"] is not None
    assert "four days" in top["chunk"]["text"] and "behind" not in after.stderr
    status = cli("status", "--sources", str(sources), *base, cwd=tmp_path)
    assert "in step" in status.stdout and "behind" not in status.stdout

    chunked = cli("chunks", "--sources", str(sources), *base, cwd=tmp_path, home=home)
    assert chunked.returncode == 0, chunked.stderr
    # Every run each command launched is a run of the source's sync job, none ephemeral.
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
    assert runs and {run.job_name for run in runs} == {"docs_sync"}
    # The subsets: a documents-only run (sync --no-chunks) and a chunks-only run (chunks).
    selections = {tuple(sorted(entry.step_key for entry in instance_logs(home, run.run_id)
                               if entry.dagster_event is not None
                               and entry.dagster_event.event_type_value == "STEP_START"))
                  for run in runs}
    assert ("docs__chunks",) in selections and ("docs__documents",) in selections


def instance_logs(home, run_id: str) -> list:
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(home)) as instance:
        return instance.all_logs(run_id)


def test_a_query_nothing_relates_to_finds_nothing_by_meaning(local_s3, s3_client, bucket,
                                                             tmp_path):
    put_objects(s3_client, bucket, {
        "hr/remote.md": POLICY.format(n="three"),
        "fin/invoices.md": "# Invoices\n\nSupplier invoices are paid within 30 days.",
    })
    sources = write_sources(tmp_path / "sources.yaml", local_s3.endpoint_url, bucket)
    index = str(tmp_path / "index.db")
    assert cli("sync", "--sources", str(sources), "--index", index,
               cwd=tmp_path).returncode == 0
    query = "chocolate cake recipe with strawberries"
    for mode in ("semantic", "hybrid"):
        result = cli("search", query, "--mode", mode, "--json", "--index", index, cwd=tmp_path)
        assert hits(result) == [], mode
    # The floor is what holds them back: without it, the nearest passages come back.
    loose = hits(cli("search", query, "--mode", "semantic", "--min-similarity", "-1", "--json",
                     "--index", index, cwd=tmp_path))
    assert {h["key"] for h in loose} == {"hr/remote.md", "fin/invoices.md"}
    assert all(h["matched_by"] == ["semantic"] for h in loose)
    # A word that matches still finds its document: keyword hits stay.
    mixed = hits(cli("search", "supplier invoices", "--json", "--index", index, cwd=tmp_path))
    assert mixed[0]["key"] == "fin/invoices.md"
    assert mixed[0]["matched_by"] == ["keyword", "semantic"]
