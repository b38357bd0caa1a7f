"""bench/embedding.py runs end to end on a few chunks (its timings are never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_embedding_bench_reports_throughput_flops_and_the_target(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "embedding.py"), "--chunks", "6", "--rounds", "1",
         "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "embedding-latest.json").read_text())
    assert data["chunks"] == 6 and data["tokens_max"] <= 256
    assert data["matmul_peak_gflops"] > 0 and data["encoder_gflop"] > 0
    assert data["numpy"]["chunks_per_s"] > 0 and 0 < data["numpy"]["of_peak"]
    assert "target 1.0x" in result.stdout
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:  # the reference is not a dependency: the bench says how to get it
        assert data["ratio"] is None and "NOT MEASURED (pip install torch==2.13.0" in result.stdout
    else:
        assert data["ratio"] > 0 and data["cosine_min"] > 0.999
