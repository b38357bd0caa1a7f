"""bench/ runs end to end on a tiny bucket (timings are bench's business, never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_runs_every_phase_and_writes_json(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--objects", "100", "--big", "2",
         "--diff-keys", "1000", "--latency-ms", "5", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    phases = data["phases"]
    assert set(phases) == {"baseline", "full_sync_c32", "full_sync", "listing", "nochange_sync",
                           "list_and_get", "changed_sync", "baseline_latency",
                           "full_sync_latency", "diff"}
    assert phases["full_sync"]["indexed"] == phases["baseline"]["documents"]
    # The old fetch setting's sync (the before, in the same run) indexed the same.
    assert phases["full_sync_c32"]["indexed"] == phases["full_sync"]["indexed"]
    assert phases["nochange_sync"]["requests"].get("get", 0) == 0
    assert phases["changed_sync"]["fetched"] == phases["list_and_get"]["documents"]
    assert phases["diff"]["documents"] == 1000 and phases["diff"]["changes"] == 0
    assert "targets:" in result.stdout


def test_retrieval_bench_reports_quality_and_cost(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "retrieval.py"), "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "retrieval-latest.json").read_text())
    scores = data["quality"]["scores"]
    assert set(scores) == {"keyword", "semantic", "hybrid"}
    # Quality is not a timing: the labelled set is fixed and the model deterministic.
    assert scores["hybrid"]["ndcg@10"] > scores["keyword"]["ndcg@10"] + 0.3
    assert scores["hybrid"]["ndcg@10"] >= scores["semantic"]["ndcg@10"]
    latency = data["latency"][0]
    assert latency["chunks"] == 2_000 and data["embed"]["chunks"] > 0
    # Issue 19: the approximate path ran (--quick lowers its threshold) and matched exact; a
    # selective filter still returned its 10, the same as an exact scan.
    assert latency["recall@10"]["semantic"] >= 0.98 and latency["recall@10"]["hybrid"] >= 0.98
    assert latency["filtered"]["results"] == 10 and latency["filtered"]["same_as_exact"]
    assert [m["documents"] for m in data["memory"]] == [200, 1_000]
    assert "recall@10" in result.stdout and "chunks/s" in result.stdout
    assert "target semantic p95 <= 50 ms" in result.stdout
