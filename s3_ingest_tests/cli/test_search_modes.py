"""`s3-ingest search --mode ...` and `s3-ingest chunks` as a user runs them: real processes,
a real S3 endpoint, the real offline model."""

import json

from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.conftest import put_objects


def lines(result):
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_search_modes_chunks_and_json(local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {
        "hr/vacation.md": "# Employee vacation policy\n\n## Booking\n"
                          "Every employee gets 28 paid holidays; request days off two weeks ahead.",
        "fin/invoices.md": "# Invoices\nSupplier invoices are paid within 30 days.",
    })
    sources = write_sources(tmp_path / "sources.yaml", local_s3.endpoint_url, bucket)
    index = str(tmp_path / "index.db")
    assert run_cli("sync", "--no-chunks", "--sources", str(sources), "--index", index,
                   cwd=tmp_path).returncode == 0

    before = lines(run_cli("search", "supplier invoices", "--json", "--index", index,
                           cwd=tmp_path))
    assert [(h["key"], h["mode"], h["chunk"]) for h in before] == [
        ("fin/invoices.md", "keyword", None)]
    refused = run_cli("search", "supplier", "--mode", "hybrid", "--index", index, cwd=tmp_path)
    assert refused.returncode == 2 and "no chunks yet" in refused.stderr
    assert "run `s3-ingest sync` (without --no-chunks), or `s3-ingest chunks`" in refused.stderr

    chunked = run_cli("chunks", "--sources", str(sources), "--index", index, cwd=tmp_path)
    assert chunked.returncode == 0, chunked.stderr
    assert "docs hr/: chunks written 1, reused 0, deleted 0, embedded 1" in chunked.stdout

    keyword = run_cli("search", "staff leave rules", "--mode", "keyword", "--index", index,
                      cwd=tmp_path)
    assert keyword.returncode == 0 and "no matches" in keyword.stderr
    [best, *_] = lines(run_cli("search", "staff leave rules", "--json", "--tag", "area=hr",
                               "--index", index, cwd=tmp_path))
    assert (best["key"], best["mode"]) == ("hr/vacation.md", "hybrid")  # the default now
    assert best["chunk"]["heading"] == "Employee vacation policy > Booking"
    assert best["chunk"]["page"] is None and "28 paid holidays" in best["chunk"]["text"]

    text = run_cli("search", "staff leave rules", "--chunks", "--mode", "semantic", "--limit",
                   "1", "--index", index, cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "docs:hr/vacation.md" in text.stdout and "semantic" in text.stdout
    assert "§ Employee vacation policy > Booking" in text.stdout
