"""Embedding throughput beside sentence-transformers, and sync end to end, each in one run.

    .venv/bin/python bench/embedding.py                 # both parts, the defaults below
    .venv/bin/python bench/embedding.py --only throughput --chunks 100 --rounds 2
    .venv/bin/python bench/embedding.py --only end-to-end --generated 100 --e2e-rounds 2

Throughput. The reference side is sentence-transformers on PyTorch's CPU build, which this
project does not depend on; install it into the same environment to compare:

    .venv/bin/pip install torch==2.13.0 && .venv/bin/pip install sentence-transformers

Both sides embed the same chunks (the README and the sample corpus, cut to the model's window
as a chunks run cuts them, repeated up to --chunks) with the same model files, one after the
other in each round, so a machine shared with other work slows both alike and the ratio stays
fair; each side's figure is its best round. FLOP/s counts the encoder's multiply-adds on the
real (unpadded) tokens, against this machine's float32 matmul peak timed in the same run
(NumPy's BLAS on a 2048 x 2048 product, all cores).

End to end. A local S3 endpoint holds the bundled sample plus --generated documents of about
400 words; each round runs `s3-ingest sync` (documents and chunks: hybrid-searchable when it
ends) and `s3-ingest sync --no-chunks` (keyword only) into an empty index, as a user types
them (each its own process, start-up included), in alternating order; each side's figure is its
best round. Then the first search a user types, to show the index answers by meaning.

Results: a table on stdout and JSON under bench/results/ (embedding-latest.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

TARGET_RATIO = 1.0
STRETCH_RATIO = 2.0
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

# ------------------------------------------------------------------ end to end, through the CLI

E2E_QUERY = "staff leave rules"  # worded unlike its answer, handbook/vacation-policy.md


def seed_corpus(s3: Any, generated: int) -> int:
    """The bundled sample in its bucket, plus `generated` documents of ~400 words under four
    prefixes; the number of objects uploaded."""
    import random

    from retrieval import prose
    from s3_ingest.local_s3 import upload_tree
    from s3_ingest.sample import BUCKET, CORPUS_DIR

    client = s3.client()
    count = upload_tree(client, BUCKET, CORPUS_DIR)
    rng = random.Random(19)
    for n in range(generated):
        client.put_object(Bucket=BUCKET, Key=f"generated/g{n % 4}/{n:05d}.md",
                          Body=f"# Note {n}\n\n{prose(rng, 400)}".encode())
    return count + generated


def timed_sync(folder: Path, env: dict[str, str], chunks: bool) -> tuple[float, dict[str, Any]]:
    """Seconds of one `s3-ingest sync` (with or without --no-chunks) into an empty index, as a
    user runs it: its own process, Python and Dagster start-up included."""
    from s3_ingest.sample import SOURCES_FILE

    index = folder / f"{'chunks' if chunks else 'documents'}-{time.monotonic_ns()}.db"
    command = [sys.executable, "-m", "s3_ingest.cli.main", "sync", "--sources",
               str(SOURCES_FILE), "--index", str(index), "--json",
               *(() if chunks else ("--no-chunks",))]
    began = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:])} failed:\n{done.stderr[-3000:]}")
    return seconds, {"index": str(index), "summary": json.loads(done.stdout)}


def searched_by_meaning(folder: Path, env: dict[str, str], index: str) -> dict[str, Any]:
    """The first search a user types after the sync, and what it ran as."""
    done = subprocess.run([sys.executable, "-m", "s3_ingest.cli.main", "search", E2E_QUERY,
                           "--json", "--index", index], env=env, cwd=folder,
                          capture_output=True, text=True, check=True)
    top = json.loads(done.stdout.splitlines()[0])
    return {"key": top["key"], "mode": top["mode"], "matched_by": top["matched_by"]}


def end_to_end(generated: int, rounds: int) -> dict[str, Any]:
    """Documents/s of `s3-ingest sync` from an empty index to hybrid-searchable, against
    `sync --no-chunks` (searchable by keyword only), interleaved in one run."""
    from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3

    seconds: dict[str, list[float]] = {"with chunks": [], "without chunks": []}
    with LocalS3() as s3, tempfile.TemporaryDirectory(prefix="embed-e2e-") as tmp:
        folder = Path(tmp)
        objects = seed_corpus(s3, generated)
        env = {k: v for k, v in os.environ.items()
               if k != "DAGSTER_HOME" and not k.startswith(("S3_INGEST_", "HF_"))}
        env |= {"S3_INGEST_DEMO_ENDPOINT": s3.endpoint_url,
                "S3_INGEST_DEMO_ACCESS_KEY_ID": DEMO_KEY_ID,
                "S3_INGEST_DEMO_SECRET_ACCESS_KEY": DEMO_SECRET}
        last: dict[str, Any] = {}
        for n in range(rounds):
            for chunks in (False, True) if n % 2 == 0 else (True, False):
                took, last[str(chunks)] = timed_sync(folder, env, chunks)
                seconds["with chunks" if chunks else "without chunks"].append(took)
        found = searched_by_meaning(folder, env, last["True"]["index"])
    runs = [run for source in last["True"]["summary"]["sources"].values()
            for run in source["runs"]]
    return {"objects": objects, "generated": generated, "seconds": seconds,
            "documents": sum(r["counts"]["indexed"] + r["counts"]["metadata_only"] for r in runs),
            "chunks": sum(r["chunks"]["written"] for r in runs), "first_search": found}


def throughput(args: argparse.Namespace) -> dict[str, Any]:
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
        "chunks": len(texts), "rounds": args.rounds,
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
        print(f"target: numpy / sentence-transformers {ratio:.2f}x (>= {TARGET_RATIO:.1f}x: "
              f"{'met' if ratio >= TARGET_RATIO else 'NOT MET'}); vectors agree to cosine "
              f">= {agree:.5f}")
    else:
        result.update(ratio=None, met=None)
        print(f"target: >= {TARGET_RATIO:.1f}x sentence-transformers: NOT MEASURED ({INSTALL})")
    # The stretch needs an opt-in quantized runtime. The product has none: the int8 variant
    # that holds cosine 0.99 measured no faster than float32 (README, "Embeddings").
    print(f"stretch: >= {STRETCH_RATIO:.1f}x with an opt-in quantized path (cosine >= 0.99): "
          "NOT MET (no quantized path in the product)")
    result["stretch_met"] = False
    return result


def print_end_to_end(e2e: dict[str, Any]) -> None:
    best = {side: min(seconds) for side, seconds in e2e["seconds"].items()}
    rates = {side: e2e["documents"] / s for side, s in best.items()}
    e2e.update(documents_per_s=rates, ratio=rates["with chunks"] / rates["without chunks"])
    print(f"\nend to end: `s3-ingest sync` from an empty index, {e2e['objects']} objects "
          f"(the sample and {e2e['generated']} generated), {e2e['documents']} documents, "
          f"{e2e['chunks']} chunks; load average {os.getloadavg()[0]:.1f}")
    for side, seconds in e2e["seconds"].items():
        print(f"  {side:<16}{rates[side]:>8.2f} documents/s   best {best[side]:.1f} s of "
              + " ".join(f"{s:.1f}" for s in seconds))
    found = e2e["first_search"]
    print(f"  with / without chunks: {e2e['ratio']:.2f}x; then `search \"{E2E_QUERY}\"` -> "
          f"{found['key']} ({found['mode']}, matched by {'+'.join(found['matched_by'])})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("throughput", "end-to-end"))
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--generated", type=int, default=100,
                        help="documents of ~400 words added to the sample for the end to end")
    parser.add_argument("--e2e-rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--quick", action="store_true",
                        help="the README's chunks only and a smaller peak product (the smoke test)")
    args = parser.parse_args()

    result: dict[str, Any] = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cores": os.cpu_count()}
    if args.only != "end-to-end":
        result.update(throughput(args))
    if args.only != "throughput":
        result["end_to_end"] = end_to_end(args.generated, args.e2e_rounds)
        print_end_to_end(result["end_to_end"])
    out = args.out / "embedding-latest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
