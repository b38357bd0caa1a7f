"""Calibrate the semantic similarity floor (issue 19) on the retrieval bench's labelled corpus.

    .venv/bin/python bench/similarity_floor.py [--floor X]

For each held-out question: the cosine between it and the best chunk of a document that
answers it (a true match). For each of a set of queries nothing in the corpus is about: the
cosine of the nearest chunk at all (what search by meaning returned before there was a floor).
A floor belongs between the two. Then the quality table (recall@10, nDCG@10 per mode) and the
identifiers' R@1 with the floor on, which must hold: hybrid not below semantic, R@1 1.0.

Results: a table on stdout and JSON in bench/results/similarity-floor-latest.json.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

# Nothing in the corpus (a freight company's policies) is about any of these.
UNRELATED = [
    "how do volcanoes erupt", "chocolate cake recipe", "rules of cricket",
    "who painted the Mona Lisa", "learning guitar chords", "symptoms of a cold in cats",
    "distance from the earth to the moon", "knitting a wool scarf",
    "history of the roman empire", "photosynthesis in plants", "how to tune a piano",
    "football world cup winners", "meaning of a haiku poem", "grow tomatoes on a balcony",
    "quantum entanglement explained", "origami crane folding", "jazz saxophone solo",
    "dinosaur fossils in Argentina", "sourdough bread starter", "ballet shoes for beginners",
]
IDENTIFIERS = 5  # the corpus's last queries are identifiers pasted as they are


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--floor", type=float, default=None,
                        help="the floor to judge (default: the shipped default)")
    parser.add_argument("--compare", type=float, nargs="*", default=[0.2, 0.22, 0.25],
                        help="other floors to score beside it")
    args = parser.parse_args()

    from retrieval import MODES, document
    from retrieval_corpus import DOCUMENTS, QUERIES

    from s3_ingest.core.index import open_index
    from s3_ingest.core.retrieval import Retriever
    from s3_ingest.core.retrieval.chunk_run import chunk_partition
    from s3_ingest.core.retrieval.local_minilm import LocalMiniLM
    from s3_ingest.core.retrieval.similarity_floor import DEFAULT_MIN_SIMILARITY

    floor = DEFAULT_MIN_SIMILARITY if args.floor is None else args.floor
    embedder = LocalMiniLM()
    with tempfile.TemporaryDirectory() as tmp, open_index(str(Path(tmp) / "q.db")) as index:
        index.upsert(document(key, f"# {text.split('.')[0]}\n{text}")
                     for key, text in DOCUMENTS.items())
        chunk_partition(index, "bench", "p/", embedder)
        chunks = [(row[0], np.frombuffer(row[7], dtype=np.float32))
                  for row in index.partition_chunks("bench", "p/")]
        keys = [k for k, _ in chunks]
        matrix = np.stack([v / np.linalg.norm(v) for _, v in chunks])

        def cosines(query: str) -> np.ndarray:
            q = np.asarray(embedder.embed([query])[0], dtype=np.float32)
            return matrix @ (q / np.linalg.norm(q))

        true_best = []
        for query, relevant in QUERIES[:-IDENTIFIERS]:
            sims = cosines(query)
            true_best.append(max(float(s) for k, s in zip(keys, sims) if k in relevant))
        unrelated_best = [float(cosines(q).max()) for q in UNRELATED]

        scores: dict[str, dict[str, dict[str, float]]] = {}
        candidates = sorted({floor, *args.compare})
        for label, value in (("no floor", -1.0), *((f"floor {f}", f) for f in candidates)):
            retriever = Retriever(index, embedder, min_similarity=value)
            scores[label] = {}
            for mode in MODES:
                recalls, ndcgs = [], []
                for query, relevant in QUERIES:
                    found = [h.key for h in retriever.search(query, mode, limit=10)]
                    recalls.append(len(set(found) & set(relevant)) / len(relevant))
                    dcg = sum(1 / math.log2(r + 2) for r, k in enumerate(found) if k in relevant)
                    ideal = sum(1 / math.log2(r + 2) for r in range(min(10, len(relevant))))
                    ndcgs.append(dcg / ideal)
                r1 = [int([h.key for h in retriever.search(q, mode, limit=1)] == rel[:1])
                      for q, rel in QUERIES[-IDENTIFIERS:]]
                scores[label][mode] = {"recall@10": statistics.mean(recalls),
                                       "ndcg@10": statistics.mean(ndcgs),
                                       "exact_r@1": statistics.mean(r1)}
            unrelated_hits = {mode: sum(bool(retriever.search(q, mode, limit=10))
                                        for q in UNRELATED) for mode in MODES}
            scores[label]["unrelated_queries_with_hits"] = unrelated_hits  # type: ignore

    result = {
        "floor": floor,
        "true_match_cosine": {"min": min(true_best), "p5": percentile(true_best, 5),
                              "median": statistics.median(true_best)},
        "unrelated_best_cosine": {"median": statistics.median(unrelated_best),
                                  "p95": percentile(unrelated_best, 95),
                                  "max": max(unrelated_best)},
        "true_matches_below_floor": int(sum(s < floor for s in true_best)),
        "unrelated_above_floor": int(sum(s >= floor for s in unrelated_best)),
        "questions": len(true_best), "unrelated": len(UNRELATED),
        # Each candidate floor: true matches it would drop, unrelated queries it would let in.
        "sweep": {f"{f:.2f}": [int(sum(s < f for s in true_best)),
                               int(sum(s >= f for s in unrelated_best))]
                  for f in np.arange(0.10, 0.41, 0.02)},
        "scores": scores,
    }
    out = BENCH / "results" / "similarity-floor-latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    hybrid, semantic = scores[f"floor {floor}"]["hybrid"], scores[f"floor {floor}"]["semantic"]
    ok = (hybrid["recall@10"] >= semantic["recall@10"] and hybrid["exact_r@1"] == 1.0)
    print(f"\nhybrid >= semantic and exact R@1 1.0 with the floor: {'met' if ok else 'NOT MET'}")


if __name__ == "__main__":
    main()
