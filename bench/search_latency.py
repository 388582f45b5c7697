"""Top-10 vector search latency of the embedded search backend at 10k, 100k and 1M documents.

    python -m bench.search_latency [--sizes 10000 100000 1000000] [--queries 100]

Documents are synthetic normalised 384-d vectors shaped like text embeddings: each is one of
1,000 random topic centres plus noise of the same length. (Uniformly random vectors on the
sphere, --uniform, have no neighbourhoods at all: no approximate index finds their neighbours,
so they say nothing about real embeddings.) Queries are new vectors from the same mixture.

Every measurement runs in a process of its own, as a web process or worker would: it opens the
index on disk, loads the vectors (and the HNSW graph, built or loaded), then times each query.
Recall@10 compares each configuration's results with exact search over the same documents.
Prints a table and writes bench/out/search_latency.json.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from search.backends.base import SearchDocument
from search.backends.embedded import EmbeddedSearchBackend

DIM = 384
TOPICS = 1000
MODEL = "synthetic"
KIND = "achievement"
CHUNK = 10_000
EXACT = 10**12  # an exact limit no corpus reaches
OUT = Path(__file__).resolve().parent / "out" / "search_latency.json"


def vectors(n, seed, uniform):
    """n normalised vectors, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n, DIM), dtype=np.float32)
    if uniform:
        points = noise
    else:
        centres = np.random.default_rng(0).standard_normal((TOPICS, DIM), dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        points = centres[rng.integers(0, TOPICS, n)] + noise / np.sqrt(DIM)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def measure(task):
    """Run one configuration (in a child process) and return its figures."""
    figures = {}
    if task["load"]:
        backend = EmbeddedSearchBackend(task["dir"], exact_limit=task["exact_limit"])
        started = time.perf_counter()
        for first in range(0, task["size"], CHUNK):
            n = min(CHUNK, task["size"] - first)
            batch = vectors(n, seed=1000 + first // CHUNK, uniform=task["uniform"])
            backend.add_many(
                SearchDocument(f"{KIND}:{first + i}", KIND, [], vector, MODEL)
                for i, vector in enumerate(batch)
            )
        figures["ingest_s"] = time.perf_counter() - started
    backend = EmbeddedSearchBackend(task["dir"], exact_limit=task["exact_limit"])
    started = time.perf_counter()
    backend.warm(model=MODEL, kinds=[KIND])
    figures["warm_s"] = time.perf_counter() - started
    vset = backend._sets[MODEL, KIND]
    figures["hnsw"] = vset.hnsw is not None and vset.live > task["exact_limit"]
    figures["index_mb"] = (
        vset.size * DIM * 4 + (vset.hnsw.memory_usage if vset.hnsw is not None else 0)
    ) / 2**20

    queries = vectors(task["queries"], seed=1, uniform=task["uniform"])
    for query in queries[:5]:
        backend.vector_search(query, model=MODEL, kinds=[KIND], k=10)
    latencies, results = [], []
    for query in queries:
        started = time.perf_counter()
        hits = backend.vector_search(query, model=MODEL, kinds=[KIND], k=10)
        latencies.append(time.perf_counter() - started)
        results.append([doc_id for doc_id, _score in hits])
    figures["p50_ms"] = float(np.percentile(latencies, 50) * 1000)
    figures["p95_ms"] = float(np.percentile(latencies, 95) * 1000)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["results"] = results
    return figures


def run(task):
    child = subprocess.run(
        [sys.executable, "-m", "bench.search_latency", "--task", json.dumps(task)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(child.stdout.splitlines()[-1])


def recall(results, reference):
    return float(
        np.mean(
            [len(set(got) & set(exact)) / 10 for got, exact in zip(results, reference, strict=True)]
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--exact-limit", type=int, default=200_000)
    parser.add_argument("--uniform", action="store_true", help="uniformly random vectors")
    parser.add_argument("--task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.task:
        print(json.dumps(measure(json.loads(args.task))))
        return

    rows = []
    with tempfile.TemporaryDirectory(prefix="search-bench-") as scratch:
        for size in args.sizes:
            task = {
                "dir": os.path.join(scratch, str(size)),
                "size": size,
                "queries": args.queries,
                "uniform": args.uniform,
            }
            # Load the documents (searching with the default limit), then search them exactly
            # for the reference, force HNSW where the default is exact, and, where HNSW is the
            # default, open the index once more as a restarted process would (saved graph).
            runs = [("default", {"load": True, "exact_limit": args.exact_limit})]
            runs.append(("exact", {"load": False, "exact_limit": EXACT}))
            if size <= args.exact_limit:
                runs.append(("forced HNSW", {"load": False, "exact_limit": 0}))
            else:
                runs.append(("restart", {"load": False, "exact_limit": args.exact_limit}))
            measured = []
            for name, options in runs:
                figures = run({**task, **options})
                print(f"  {size:>9,} {name}: done", file=sys.stderr, flush=True)
                measured.append((name, figures))
            reference = dict(measured)["exact"]["results"]
            for name, figures in measured:
                if name == "exact" and size <= args.exact_limit:
                    continue  # the default run is this exact search
                figures["recall_at_10"] = recall(figures.pop("results"), reference)
                rows.append({"size": size, "run": name, **figures})

    print_table(rows)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "processor": platform.processor()},
                "dim": DIM,
                "vectors": "uniform" if args.uniform else f"{TOPICS}-topic mixture",
                "queries": args.queries,
                "exact_limit": args.exact_limit,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {OUT}")


def print_table(rows):
    header = (
        f"{'documents':>10} {'run':<12} {'search':<6} {'ingest s':>9} {'load+index s':>13} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'recall@10':>9} {'index MB':>9} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        ingest = f"{row['ingest_s']:.1f}" if "ingest_s" in row else "-"
        print(
            f"{row['size']:>10,} {row['run']:<12} {'HNSW' if row['hnsw'] else 'exact':<6} "
            f"{ingest:>9} {row['warm_s']:>13.1f} {row['p50_ms']:>8.2f} {row['p95_ms']:>8.2f} "
            f"{row['recall_at_10']:>9.3f} {row['index_mb']:>9.0f} {row['peak_rss_mb']:>12.0f}"
        )


if __name__ == "__main__":
    main()
