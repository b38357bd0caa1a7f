"""The serving benchmark (issue 24): queries per second and latency of `s3-ingest serve`.

    .venv/bin/python bench/serve.py                 # 100,000 chunks, 1 and 16 clients
    .venv/bin/python bench/serve.py --quick         # 4,000 chunks (the smoke test)

The index is built as bench/retrieval.py's latency phase builds it (generated text, random unit
vectors, the chunks run's own stage-and-publish path), with an ACL on its source, so every search
pays for the access filter. The server is a real `s3-ingest serve` process (default embedder,
preloaded; --workers 4) on a loopback port; this process is the client: 1 and then 16 threads,
each sending GET /search one after another, keyword and hybrid. Reported: requests per second
and p50/p95 latency per mode and concurrency, as seen by the client (hybrid includes embedding
the query). Results: a table on stdout and bench/results/serve-latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from retrieval import VOCABULARY, ZIPF, document  # noqa: E402

TOKEN = "bench-token-" + "0" * 20
PER_DOC = 4


def build(path: Path, chunks: int) -> float:
    import numpy as np

    from s3_ingest.core.sources.acl import compiled, load_rules
    from s3_ingest.core.index import open_index
    from s3_ingest.core.index.chunk_stage import ChunkRow
    from s3_ingest.core.index.principals import apply_acls
    from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

    rng, np_rng, model = random.Random(11), np.random.default_rng(11), LocalMiniLM.model
    began = time.perf_counter()
    with open_index(str(path)) as index:
        rules = load_rules([{"keyPrefix": "", "aclEntries": [
            {"Name": "staff", "Type": "GROUP"}]}], "bench")
        apply_acls(index, {"bench": compiled(rules or [], "bench")})
        docs = chunks // PER_DOC
        for start in range(0, docs, 2_000):
            batch = range(start, min(docs, start + 2_000))
            index.upsert(document(f"p/{n:06d}.md", "x") for n in batch)
            vectors = np_rng.standard_normal((len(batch) * PER_DOC, 384)).astype("float32")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            words = rng.choices(VOCABULARY, ZIPF, k=len(batch) * PER_DOC * 60)
            rows: dict[str, list[Any]] = {}
            for i, n in enumerate(batch):
                key, base = f"p/{n:06d}.md", i * PER_DOC * 60
                rows[key] = [ChunkRow(key, p, None, None,
                                      " ".join(words[base + p * 60:base + (p + 1) * 60]),
                                      f"{n}-{p}", "d", model, 384,
                                      vectors[i * PER_DOC + p].tobytes())
                             for p in range(PER_DOC)]
            index.stage_chunks("bench-build", "bench", "p/", rows)
            index.publish_staged_chunks("bench-build", "bench", "p/")
    return time.perf_counter() - began


def start_server(index: Path, folder: Path, port: int) -> subprocess.Popen:
    tokens = folder / "tokens.yaml"
    tokens.write_text(f'tokens:\n  "{TOKEN}": {{user: bench, groups: [staff]}}\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3_INGEST_")}
    return subprocess.Popen(
        [sys.executable, "-m", "s3_ingest.cli.main", "serve", "--index", str(index),
         "--tokens", str(tokens), "--port", str(port), "--workers", "4", "--queue", "64"],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(base: str, process: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


def drive(base: str, mode: str, clients: int, requests_each: int) -> dict[str, Any]:
    import httpx

    rng = random.Random(clients)
    queries = [" ".join(rng.sample(VOCABULARY[50:500], 2)) for _ in range(clients * requests_each)]
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()

    def client(number: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=120) as http:
            for q in queries[number * requests_each:(number + 1) * requests_each]:
                t = time.perf_counter()
                answer = http.get("/search", params={"query": q, "mode": mode, "limit": 10})
                elapsed = (time.perf_counter() - t) * 1000
                with lock:
                    (latencies.append(elapsed) if answer.status_code == 200
                     else errors.append(answer.status_code))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    pct = lambda p: ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else None  # noqa: E731
    return {"mode": mode, "clients": clients, "requests": len(latencies), "errors": errors,
            "qps": len(latencies) / wall, "p50_ms": pct(0.5), "p95_ms": pct(0.95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="per client and mode")
    parser.add_argument("--quick", action="store_true", help="4,000 chunks, 10 requests")
    args = parser.parse_args()
    if args.quick:
        args.chunks, args.requests = 4_000, 10
    from s3_ingest_tests.serve.corpus import free_port

    with tempfile.TemporaryDirectory(prefix="s3i-serve-bench-") as tmp:
        folder = Path(tmp)
        index = folder / "index.db"
        build_s = build(index, args.chunks)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(index, folder, port)
        try:
            wait_ready(base, server)
            for mode in ("keyword", "hybrid"):  # warm the page cache and the model
                drive(base, mode, 1, 3)
            runs = [drive(base, mode, clients, args.requests)
                    for mode in ("keyword", "hybrid") for clients in (1, 16)]
        finally:
            server.terminate()
            server.wait(30)
    result = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "chunks": args.chunks, "build_seconds": round(build_s, 1),
              "cpus": os.cpu_count(), "load_average": os.getloadavg(), "runs": runs}
    out = BENCH / "results" / "serve-latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"{args.chunks:,} chunks (built in {build_s:.0f} s); load average {os.getloadavg()[0]:.1f}")
    print(f"{'mode':8} {'clients':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for r in runs:
        print(f"{r['mode']:8} {r['clients']:>7} {r['qps']:>8.1f} {r['p50_ms']:>8.1f} "
              f"{r['p95_ms']:>8.1f} {len(r['errors']):>6}")


if __name__ == "__main__":
    main()
