"""The benchmark: s3_ingest against raw boto3 on the same local S3 endpoint, in the same run.

    .venv/bin/python bench/run.py                 # the default: 10,000 small objects and more
    .venv/bin/python bench/run.py --objects 100000 --skip-latency   # memory at 100,000 objects

It starts moto's S3 server and a counting proxy (each its own process, on 127.0.0.1), seeds the
bucket, then runs each phase in its own process (so each peak RSS is that phase's own):

  baseline          raw boto3, 16 threads: list every page, GET and utf-8 decode every object
  full_sync_cN      the full sync with the old fetch_concurrency N (--compare-concurrency), into
                    an index of its own: the before of the fetch settings, in the same run
  full_sync         every partition through s3_ingest's Dagster assets into the SQLite index
  listing           a bare listing of the bucket
  nochange_sync     the same sync again, nothing changed
  list_and_get      a bare listing plus GETs of the objects changed below (1% modified, 0.5% added)
  changed_sync      the sync after those changes (and 0.5% deleted)
  *_latency         baseline and full sync again with 30 ms added to every request
  diff              change detection of 1,000,000 synthetic keys against a 1,000,000-document index

Results: a table on stdout and JSON under bench/results/. Ratios compare with the baseline of
the same run; absolute times on a shared machine are noise. Memory and CPU are each phase's
whole process tree (the sync's parser workers included; see process_tree.py). A second table
splits each sync's CPU by stage - list, diff, fetch, extract (parser workers included), index -
as the core measures it (s3_ingest/core/stage_cpu.py), and Dagster: the rest of the tree's CPU.
The targets are issue #23's (at least raw boto3's rate, 200 MB for the tree), each printed met
or NOT MET.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.config import Config

BENCH = Path(__file__).resolve().parent
PY = sys.executable
BUCKET = "bench"
PREFIXES = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Endpoint:
    """moto's S3 server and, in front of it, the counting (and optionally slow) proxy."""

    def __init__(self) -> None:
        port = free_port()
        self.moto_url = f"http://127.0.0.1:{port}"
        self.moto = subprocess.Popen(
            [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_http(self.moto_url)
        self.proxy: subprocess.Popen | None = None
        self.url = ""

    def start_proxy(self, latency_ms: float = 0.0) -> None:
        self.stop_proxy()
        self.proxy = subprocess.Popen(
            [PY, "-m", "s3_ingest_tests.local_s3_proxy", "--upstream", self.moto_url,
             "--latency-ms", str(latency_ms)],
            stdout=subprocess.PIPE, text=True, cwd=BENCH.parent,
        )
        self.url = self.proxy.stdout.readline().strip()

    def stop_proxy(self) -> None:
        if self.proxy is not None:
            self.proxy.kill()
            self.proxy.wait()
            self.proxy = None

    def reset_counts(self) -> None:
        request = urllib.request.Request(f"{self.url}/__proxy/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def counts(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.url}/__proxy/stats", timeout=10) as response:
            return json.load(response)["requests"]

    def close(self) -> None:
        self.stop_proxy()
        self.moto.kill()
        self.moto.wait()


def client(url: str) -> Any:
    return boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(max_pool_connections=32, s3={"addressing_style": "path"}),
    )


def small_text(i: int, rng: random.Random) -> bytes:
    """About 2 KB of words, a markdown title first."""
    words = ["kestrel", "harbour", "invoice", "policy", "freight", "route", "audit", "crane",
             "ledger", "manifest", "dock", "tide", "customs", "pallet", "berth"]
    body = " ".join(rng.choice(words) for _ in range(300))
    return (f"# Document {i}\n\n{body}\n")[:2048].encode()


def seed(url: str, objects: int, big: int) -> list[str]:
    """objects small md/txt (~2 KB) over PREFIXES prefixes, `big` 1 MB texts, a few pdf/docx."""
    from s3_ingest.sample import CORPUS_DIR

    s3 = client(url)
    s3.create_bucket(Bucket=BUCKET)
    line = (b"kestrel harbour invoice ledger " * 40 + b"\n") * 900
    binaries = [p for p in CORPUS_DIR.rglob("*") if p.suffix in (".pdf", ".docx")]

    def body(key: str) -> bytes:  # made on demand: the seeder never holds the whole bucket
        if key.startswith("big/"):
            return line[: 1024 * 1024]
        if key.startswith("office/"):
            return binaries[int(key[7:9]) % len(binaries)].read_bytes()
        return small_text(int(key.split("-")[1].split(".")[0]), random.Random(key))

    keys = [f"p{i % PREFIXES:02d}/doc-{i:07d}.{'md' if i % 2 else 'txt'}" for i in range(objects)]
    keys += [f"big/blob-{i:04d}.txt" for i in range(big)]
    keys += [f"office/{n:02d}-{p.name}" for n, p in enumerate(binaries * 2)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=BUCKET, Key=k, Body=body(k)), keys))
    return keys


def mutate(url: str, keys: list[str], share: float = 0.01) -> list[str]:
    """1% modified, 0.5% added, 0.5% deleted; returns the keys a sync must GET."""
    s3, rng = client(url), random.Random(11)
    small = [k for k in keys if k.startswith("p")]
    n = max(1, int(len(small) * share))
    picked = rng.sample(small, n + n // 2 + n // 2)
    modified, deleted = picked[:n], picked[n : n + n // 2]
    added = [f"p{i % PREFIXES:02d}/new-{i:07d}.md" for i in range(max(1, n // 2))]
    for key in modified + added:
        s3.put_object(Bucket=BUCKET, Key=key, Body=small_text(hash(key) % 10_000, rng) + b" v2")
    for key in deleted:
        s3.delete_object(Bucket=BUCKET, Key=key)
    return modified + added


def phase(name: str, *args: str, profile: Path | None = None) -> dict[str, Any]:
    # --profile: py-spy samples the phase (GIL holders only: the CPU the threads contend for)
    # into a flame graph; it reports on stdout too, so the JSON is found by its start.
    spy = ["py-spy", "record", "--gil", "-r", "200", "-o", str(profile), "--"] if profile else []
    result = subprocess.run([*spy, PY, str(BENCH / "phase.py"), name, *args],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{result.stderr[-3000:]}")
    return json.JSONDecoder().raw_decode(result.stdout[result.stdout.index("{"):])[0]


def measured(endpoint: Endpoint, label: str, name: str, *args: str,
             profile: Path | None = None) -> dict[str, Any]:
    endpoint.reset_counts()
    out = phase(name, "--endpoint", endpoint.url, "--bucket", BUCKET, *args, profile=profile)
    out["requests"] = endpoint.counts()
    out["label"] = label
    print(f"  {label}: {out['seconds']:.1f} s", file=sys.stderr, flush=True)
    return out


def sources_file(path: Path, url: str, concurrency: int) -> Path:
    path.write_text(yaml.safe_dump({"sources": [{
        "name": "bench", "bucket": BUCKET, "endpoint": url, "region": "us-east-1",
        "path_style": True, "fetch_concurrency": concurrency, "document_limit": "unlimited",
        "max_file_size": "5MB",
        "credentials": {"access_key_id_env": "BENCH_KEY", "secret_access_key_env": "BENCH_KEY"},
    }]}))
    return path


def rate(row: dict[str, Any]) -> float:
    return row["documents"] / row["seconds"] if row["seconds"] else 0.0


# Issue #23's targets; the diff's memory bound predates it and stays.
TARGETS = {
    "full_sync_docs_per_s_vs_baseline": (">=", 1.0),
    "full_sync_latency_docs_per_s_vs_baseline": (">=", 1.0),
    "nochange_sync_seconds_vs_listing": ("<=", 1.1),
    "nochange_sync_gets": ("<=", 0),
    "nochange_sync_heads": ("<=", 0),
    "changed_sync_seconds_vs_list_and_get": ("<=", 1.3),
    "full_sync_peak_rss_mb": ("<=", 200),  # the whole tree, at 10,000 objects
    "diff_cpu_seconds": ("<=", 10),
    "diff_peak_rss_mb": ("<=", 300),
}
STAGES = ("list", "diff", "fetch", "extract", "index")


def stage_profile(row: dict[str, Any]) -> dict[str, float]:
    """A sync's CPU in microseconds per listed document: each stage, Dagster (the tree's CPU
    less the stages: Dagster's run machinery, the executor's bookkeeping, the runner) and total."""
    docs = max(1, row["documents"])
    cpu = row.get("stage_cpu", {})
    out = {stage: cpu.get(stage, 0.0) * 1e6 / docs for stage in STAGES}
    out["dagster"] = (row["cpu_seconds"] - sum(cpu.get(s, 0.0) for s in STAGES)) * 1e6 / docs
    out["total"] = row["cpu_seconds"] * 1e6 / docs
    return out


def raw_profile(rows: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The raw boto3 phases' whole CPU per document of the bucket: the floors a sync's compare
    with (list_and_get GETs only the changed, but lists them all)."""
    return {label: row["cpu_seconds"] * 1e6 / max(1, rows["listing"]["documents"]
                                                  if label == "list_and_get" else row["documents"])
            for label, row in rows.items()
            if label.startswith(("baseline", "listing", "list_and_get"))}


def report(rows: dict[str, dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    base, base_lat = rows["baseline"], rows.get("baseline_latency")
    ratios: dict[str, Any] = {
        "full_sync_docs_per_s_vs_baseline": rate(rows["full_sync"]) / rate(base),
        "nochange_sync_seconds_vs_listing": rows["nochange_sync"]["seconds"]
        / rows["listing"]["seconds"],
        "nochange_sync_gets": rows["nochange_sync"]["requests"].get("get", 0),
        "nochange_sync_heads": rows["nochange_sync"]["requests"].get("head", 0),
        "changed_sync_seconds_vs_list_and_get": rows["changed_sync"]["seconds"]
        / rows["list_and_get"]["seconds"],
        "full_sync_peak_rss_mb": rows["full_sync"]["peak_rss_mb"],
    }
    for label in rows:
        if label.startswith("full_sync_c"):  # the old fetch setting: the before, not a target
            ratios[f"{label}_docs_per_s_vs_baseline"] = rate(rows[label]) / rate(base)
    if base_lat:
        ratios["full_sync_latency_docs_per_s_vs_baseline"] = rate(
            rows["full_sync_latency"]) / rate(base_lat)
    if "diff" in rows:
        ratios["diff_cpu_seconds"] = rows["diff"]["cpu_seconds"]
        ratios["diff_peak_rss_mb"] = rows["diff"]["peak_rss_mb"]
    verdicts: dict[str, Any] = {name: {"value": value, "target": "", "met": None}
                                for name, value in ratios.items() if name not in TARGETS}
    for name, (op, bound) in TARGETS.items():
        if name in ratios:
            value = ratios[name]
            verdicts[name] = {"value": value, "target": f"{op} {bound}",
                              "met": value >= bound if op == ">=" else value <= bound}
    return {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "params": vars(args),
        "phases": rows,
        "cpu_us_per_doc": {label: stage_profile(row) for label, row in rows.items()
                           if "stage_cpu" in row},
        "raw_cpu_us_per_doc": raw_profile(rows),
        "targets": verdicts,
    }


def print_table(result: dict[str, Any]) -> None:
    rows = result["phases"]
    base = rows["baseline"]
    print(f"\n{'phase':<22}{'docs':>9}{'seconds':>9}{'docs/s':>9}{'MB/s':>8}{'peak MB':>9}"
          f"{'requests (list/get/head)':>26}{'vs baseline':>13}")
    for label, row in rows.items():
        req = row.get("requests", {})
        mb_s = row["bytes"] / 1e6 / row["seconds"] if row["seconds"] else 0
        ref = rows.get("baseline_latency") if label.endswith("latency") else base
        ratio = rate(row) / rate(ref) if ref and rate(ref) and "sync" in label else None
        requests = f"{req.get('list', 0)}/{req.get('get', 0)}/{req.get('head', 0)}" if req else "-"
        print(f"{label:<22}{row['documents']:>9}{row['seconds']:>9.2f}{rate(row):>9.0f}"
              f"{mb_s:>8.1f}{row['peak_rss_mb']:>9.0f}{requests:>26}"
              f"{(f'{ratio:.2f}' if ratio is not None else ''):>13}")
    print(f"\nCPU per listed document, microseconds (the tree's: parser workers in extract)\n"
          f"{'phase':<22}" + "".join(f"{s:>9}" for s in (*STAGES, "dagster", "total")))
    for label, profile in result["cpu_us_per_doc"].items():
        print(f"{label:<22}" + "".join(f"{v:>9.0f}" for v in profile.values()))
    for label, value in result["raw_cpu_us_per_doc"].items():
        print(f"{label:<22}" + f"{'':>{9 * (len(STAGES) + 1)}}{value:>9.0f}")
    print("\ntargets:")
    for name, verdict in result["targets"].items():
        mark = {True: "met", False: "NOT MET", None: "(for comparison)"}[verdict["met"]]
        print(f"  {name:<44} {verdict['value']:>10.3f}  target {verdict['target']:<8} {mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100, help="1 MB objects")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--diff-keys", type=int, default=1_000_000, help="0 skips the diff")
    parser.add_argument("--concurrency", type=int, default=16, help="s3_ingest fetch_concurrency")
    parser.add_argument("--compare-concurrency", type=int, default=32,
                        help="also run the full sync with this fetch_concurrency (the old "
                             "default), into its own index; 0 skips it")
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    parser.add_argument("--profile", type=Path, help="write the full sync's flame graph (SVG) "
                        "here; needs py-spy on PATH (pip install py-spy)")
    args = parser.parse_args()
    os.environ["BENCH_KEY"] = "bench"
    rows: dict[str, dict[str, Any]] = {}
    endpoint = Endpoint()
    work = Path(tempfile.mkdtemp(prefix="s3-ingest-bench-"))
    try:
        print(f"seeding {args.objects} + {args.big} objects ...", file=sys.stderr, flush=True)
        keys = seed(endpoint.moto_url, args.objects, args.big)
        endpoint.start_proxy()
        index = str(work / "index.db")
        sources = str(sources_file(work / "sources.yaml", endpoint.url, args.concurrency))
        rows["baseline"] = measured(endpoint, "baseline", "baseline")
        if args.compare_concurrency:
            before = f"full_sync_c{args.compare_concurrency}"
            rows[before] = measured(endpoint, before, "sync", "--sources", str(sources_file(
                work / "sources-before.yaml", endpoint.url, args.compare_concurrency)),
                "--index", str(work / "index-before.db"))
        rows["full_sync"] = measured(endpoint, "full_sync", "sync", "--sources", sources,
                                     "--index", index, profile=args.profile)
        rows["listing"] = measured(endpoint, "listing", "listing")
        rows["nochange_sync"] = measured(endpoint, "nochange_sync", "sync", "--sources",
                                         sources, "--index", index)
        changed = mutate(endpoint.moto_url, keys)
        keys_file = work / "changed.json"
        keys_file.write_text(json.dumps(changed))
        rows["list_and_get"] = measured(endpoint, "list_and_get", "list_and_get",
                                        "--keys-file", str(keys_file))
        rows["changed_sync"] = measured(endpoint, "changed_sync", "sync", "--sources", sources,
                                        "--index", index)
        if not args.skip_latency:
            endpoint.start_proxy(args.latency_ms)
            sources = str(sources_file(work / "sources-latency.yaml", endpoint.url,
                                       args.concurrency))
            rows["baseline_latency"] = measured(endpoint, "baseline_latency", "baseline")
            rows["full_sync_latency"] = measured(endpoint, "full_sync_latency", "sync",
                                                 "--sources", sources,
                                                 "--index", str(work / "index-latency.db"))
    finally:
        endpoint.close()
    if args.diff_keys:
        diff_index = str(work / "diff.db")
        print(f"building a {args.diff_keys}-document index ...", file=sys.stderr, flush=True)
        phase("diff_prepare", "--index", diff_index, "--keys", str(args.diff_keys))
        rows["diff"] = phase("diff", "--index", diff_index, "--keys", str(args.diff_keys))
        rows["diff"]["label"] = "diff"
    result = report(rows, args)
    print_table(result)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"bench-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    (args.out / "latest.json").write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
