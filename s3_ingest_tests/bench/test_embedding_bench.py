"""bench/embedding.py runs on a few chunks, and its sync end to end on the bare sample (its
timings are never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_embedding_bench_reports_throughput_flops_and_the_target(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "embedding.py"), "--only", "throughput",
         "--chunks", "6", "--rounds", "1", "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "embedding-latest.json").read_text())
    assert data["chunks"] == 6 and data["tokens_max"] <= 256
    assert data["matmul_peak_gflops"] > 0 and data["encoder_gflop"] > 0
    assert data["numpy"]["chunks_per_s"] > 0 and 0 < data["numpy"]["of_peak"]
    assert "stretch: >= 2.0x with an opt-in quantized path" in result.stdout
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:  # the reference is not a dependency: the bench says how to get it
        assert data["ratio"] is None and "NOT MEASURED (pip install torch==2.13.0" in result.stdout
    else:
        assert data["ratio"] > 0 and data["cosine_min"] > 0.999
        assert f"(>= 1.0x: {'met' if data['met'] else 'NOT MET'})" in result.stdout


def test_the_end_to_end_syncs_with_and_without_chunks_then_searches_by_meaning(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "embedding.py"), "--only", "end-to-end",
         "--generated", "0", "--e2e-rounds", "1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    e2e = json.loads((tmp_path / "embedding-latest.json").read_text())["end_to_end"]
    assert e2e["documents"] > 20 and e2e["chunks"] > e2e["documents"]
    assert [len(e2e["seconds"][side]) for side in ("with chunks", "without chunks")] == [1, 1]
    assert e2e["ratio"] > 0 and "with / without chunks" in result.stdout
    assert e2e["first_search"]["mode"] == "hybrid"
    assert "semantic" in e2e["first_search"]["matched_by"]
