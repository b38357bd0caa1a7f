"""Embedding throughput: the default runtime beside sentence-transformers, in one run.

    .venv/bin/python bench/embedding.py                 # 300 chunks, 3 interleaved rounds
    .venv/bin/python bench/embedding.py --chunks 100 --rounds 2

The reference side is sentence-transformers on PyTorch's CPU build, which this project does not
depend on; install it into the same environment to compare:

    .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install sentence-transformers

Both sides embed the same chunks (the README and the sample corpus, cut to the model's window
as a chunks run cuts them, repeated up to --chunks) with the same model files, one after the
other in each round, so a machine shared with other work slows both alike and the ratio stays
fair; each side's figure is its best round. FLOP/s counts the encoder's multiply-adds on the
real (unpadded) tokens, against this machine's float32 matmul peak timed in the same run
(NumPy's BLAS on a 2048 x 2048 product, all cores).

Results: a table on stdout and JSON under bench/results/ (embedding-latest.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

TARGET_RATIO = 1.0
INSTALL = "pip install torch==2.13.0 && pip install sentence-transformers"


def bench_chunks(count: int, corpus: bool = True) -> list[str]:
    """Real chunk texts, as a chunks run embeds them, repeated up to `count`."""
    import s3_ingest
    from s3_ingest.core.extraction import extract
    from s3_ingest.core.retrieval.chunk_size import window_for
    from s3_ingest.core.retrieval.chunking import chunk_document, embedding_text
    from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

    package = Path(s3_ingest.__file__).parent
    size = window_for(LocalMiniLM())
    texts = []
    documents = [("README.md", (package.parent / "README.md").read_text())]
    for path in sorted((package / "sample" / "corpus").rglob("*")) if corpus else ():
        if path.is_file() and "scans" not in path.parts:
            key = str(path.relative_to(package / "sample" / "corpus"))
            documents.append((key, extract(path.read_bytes(), key).text or ""))
    for key, text in documents:
        texts += [embedding_text(c) for c in chunk_document(key, text, size=size)]
    return [texts[i % len(texts)] for i in range(count)]


def matmul_peak(n: int = 2048, repeats: int = 5) -> float:
    """FLOP/s of NumPy's float32 matrix product on this machine now (best of `repeats`)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(work: Any) -> float:
    began = time.perf_counter()
    work()
    return time.perf_counter() - began


def encoder_flops(lengths: list[int], config: dict[str, int]) -> float:
    """Multiply-adds x 2 of a BERT encoder over texts of these token lengths, unpadded."""
    h, inner, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    total = 0
    for n in lengths:
        dense = 2 * n * (4 * h * h + 2 * h * inner)  # q, k, v, output; the feed-forward pair
        attention = 2 * 2 * n * n * h  # scores and context, over all heads
        total += layers * (dense + attention)
    return float(total)


def cosine_floor(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(1).min())


def reference_model(directory: str) -> Any:
    try:
        import torch  # noqa: F401
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return None
    return SentenceTransformer(directory, device="cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--quick", action="store_true",
                        help="the README's chunks only and a smaller peak product (the smoke test)")
    args = parser.parse_args()

    from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

    ours = LocalMiniLM()
    encoder = ours.encoder()
    directory = encoder.files.directory
    texts = bench_chunks(args.chunks, corpus=not args.quick)
    lengths = [len(e.ids) for e in encoder.tokenizer.encode_batch(texts)]
    with open(os.path.join(directory, "config.json")) as f:
        flops = encoder_flops(lengths, json.load(f))
    reference = reference_model(directory)

    ours.embed(texts[:8])  # warm: pages of the weights, the thread pool
    if reference is not None:
        reference.encode(texts[:8])
    runs: dict[str, list[float]] = {"numpy": [], "sentence-transformers": []}
    peaks = []
    mine = theirs = None
    for _ in range(args.rounds):
        peaks.append(matmul_peak(*((512, 2) if args.quick else ())))
        began = time.perf_counter()
        mine = np.array(ours.embed(texts))
        runs["numpy"].append(time.perf_counter() - began)
        if reference is not None:
            began = time.perf_counter()
            theirs = reference.encode(texts, convert_to_numpy=True)
            runs["sentence-transformers"].append(time.perf_counter() - began)

    peak = max(peaks)
    result: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "chunks": len(texts), "rounds": args.rounds, "cores": os.cpu_count(),
        "tokens_mean": statistics.mean(lengths), "tokens_max": max(lengths),
        "load_average": os.getloadavg()[0], "matmul_peak_gflops": peak / 1e9,
        "encoder_gflop": flops / 1e9,
    }
    print(f"{len(texts)} chunks, {statistics.mean(lengths):.0f} tokens on average "
          f"(max {max(lengths)}), {args.rounds} rounds interleaved, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"matmul peak (float32 NumPy product, best of rounds): {peak / 1e9:.1f} GFLOP/s")
    print(f"{'runtime':<24}{'chunks/s':>10}{'GFLOP/s':>10}{'of peak':>9}{'rounds (s)':>24}")
    for name, seconds in runs.items():
        if not seconds:
            print(f"{name:<24}{'not installed: ' + INSTALL:>40}")
            continue
        best = min(seconds)
        rate = len(texts) / best
        result[name] = {"chunks_per_s": rate, "gflops": flops / best / 1e9,
                        "of_peak": flops / best / peak, "seconds": seconds}
        print(f"{name:<24}{rate:>10.1f}{flops / best / 1e9:>10.1f}{flops / best / peak:>8.0%}"
              f"{' '.join(f'{s:.1f}' for s in seconds):>24}")
    if runs["sentence-transformers"]:
        ratio = min(runs["sentence-transformers"]) / min(runs["numpy"])
        agree = cosine_floor(mine, theirs)
        result.update(ratio=ratio, cosine_min=agree, target=TARGET_RATIO,
                      met=ratio >= TARGET_RATIO)
        print(f"numpy / sentence-transformers: {ratio:.2f}x (target {TARGET_RATIO:.1f}x: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT MET'}); vectors agree to cosine "
              f">= {agree:.5f}")
    else:
        result.update(ratio=None, met=None)
        print(f"target {TARGET_RATIO:.1f}x sentence-transformers: NOT MEASURED ({INSTALL})")
    out = args.out / "embedding-latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
