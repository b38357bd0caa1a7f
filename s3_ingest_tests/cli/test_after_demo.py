"""`s3-ingest demo` and what a newcomer does right after it, as the README and the demo's own
last lines say: search its index, run the README's Python example on it, look at its status,
and try `sync` in the checkout. The demo runs once for the module."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from s3_ingest.sample import SOURCES_FILE
from s3_ingest_tests.cli.test_main import run_cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    where = tmp_path_factory.mktemp("demo")
    return where, run_cli("demo", cwd=where, timeout=300)


def test_demo_ingests_the_sample_and_searches_it(demo):
    tmp_path, result = demo
    assert result.returncode == 0, result.stderr
    out = result.stdout
    uploaded = int(re.search(r"uploaded (\d+) objects", out).group(1))
    counts = re.search(r"(\d+) documents \(indexed (\d+), metadata_only (\d+)\)", out)
    assert int(counts.group(1)) == uploaded == int(counts.group(2)) + int(counts.group(3))
    # One line per partition, and totals that add up: listed = selected + skipped, selected =
    # unchanged + indexed + metadata-only + failed; the archived object beside metadata-only.
    totals = re.search(r"9 partition run\(s\), 0 failed: listed (\d+), skipped (\d+), selected "
                       r"(\d+): unchanged (\d+), indexed (\d+), metadata-only (\d+) "
                       r"\(archived 1\), failed (\d+); deleted 0", out)
    listed, skipped, selected, unchanged, indexed, metadata_only, failed = map(
        int, totals.groups())
    assert listed == uploaded == selected + skipped
    assert selected == unchanged + indexed + metadata_only + failed
    # One line per partition on stdout (progress, when a partition runs long, is stderr's).
    # Its chunks ride on the same line.
    handbook = [line for line in out.splitlines() if "sample handbook/:" in line]
    assert len(handbook) == 1 and handbook[0].startswith("ok    sample handbook/:")
    assert "; chunks written " in handbook[0]
    assert len([line for line in out.splitlines() if line.startswith("ok    ")]) == 9
    # It ends with what to type next: its index, searched, and a sources file of one's own.
    steps = out.split("next steps:")[1]
    assert "s3-ingest search 'staff leave rules' --index .s3_ingest/demo/index.db" in steps
    assert "s3-ingest sync --sources my-sources.yaml" in steps and "bucket:" in steps
    assert "handbook/data-retention-policy.md" in out.split('search "retention policy"')[1]
    assert "[" in out and "]" in out  # snippets highlight the matches
    retention = out.split('search "retention policy"')[1].split("search")[0]
    assert "[retention]" in retention.lower() and "](" not in retention and " # " not in retention
    assert "relevance 1.00" in retention  # a rank's relevance, not a raw BM25 score
    # A question in other words than its answer: keyword search misses it, hybrid finds it.
    assert 'search "staff leave rules" --mode keyword: no matches' in out
    hybrid = out.split('search "staff leave rules" --mode hybrid: ')[1].split("\n")[0]
    assert hybrid.startswith("handbook/vacation-policy.md")
    # Each partition's run cut and embedded its chunks (the offline model), said on its line.
    chunk_counts = re.findall(r"^ok    .*; chunks written (\d+), reused \d+, deleted \d+, "
                              r"embedded (\d+) in [\d.]+s$", out, re.M)
    assert len(chunk_counts) == 9 and sum(int(written) for written, _ in chunk_counts) > 0
    assert "chunks FAILED" not in out
    assert out.rstrip().endswith("local S3 endpoint stopped")
    assert (tmp_path / ".s3_ingest" / "demo" / "index.db").exists()


def test_search_with_no_options_after_the_demo_says_exactly_what_to_type(demo):
    where, _ = demo
    bare = run_cli("search", "vacation", cwd=where)
    assert bare.returncode == 2
    command = "s3-ingest search vacation --index .s3_ingest/demo/index.db"
    assert command in bare.stderr and "Traceback" not in bare.stderr
    typed = run_cli(*command.split()[1:], cwd=where)
    assert typed.returncode == 0, typed.stderr
    assert "sample:handbook/vacation-policy.md" in typed.stdout


def test_the_readme_python_example_runs_as_written_on_the_demo_index(demo):
    where, _ = demo
    readme = (REPO / "README.md").read_text()
    section = readme.split("### From an application", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    result = subprocess.run([sys.executable, "-c", code], cwd=where, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and lines[0].startswith("handbook/vacation-policy.md")
    assert "Employee vacation policy" in lines[0]  # the best chunk's heading


def test_status_of_the_demo_index_counts_in_words(demo):
    where, _ = demo
    result = run_cli("status", "--sources", str(SOURCES_FILE), "--index",
                     ".s3_ingest/demo/index.db", cwd=where)
    assert result.returncode == 0, result.stderr
    archive = next(line for line in result.stdout.splitlines() if "archive/" in line)
    assert " 1 document," in archive and "1 documents" not in result.stdout


def test_sync_on_the_checkouts_sample_sources_says_what_to_do(tmp_path):
    shutil.copy(REPO / "sources.yaml", tmp_path / "sources.yaml")
    result = run_cli("sync", cwd=tmp_path)
    assert result.returncode == 2
    assert "sources.yaml is the demo's sources file" in result.stderr
    assert "s3-ingest sync --sources my-sources.yaml" in result.stderr
    assert "secret_access_key_env:" in result.stderr and "Traceback" not in result.stderr
