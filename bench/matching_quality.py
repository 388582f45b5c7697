"""Ranking quality of BM25 alone, dense alone, their plain reciprocal rank fusion (the
matching issue's reference) and the platform's matcher on ../shared/data.

    python -m bench.matching_quality [--sets listings csl experts]

- listings: needs → achievements, graded judgements (nDCG@10 with 2^g − 1; Recall@10 and MRR
  count grade ≥ 2; unjudged documents count 0 and their share of the top 10 is reported);
- csl: paper titles and keyword lists → abstracts (one relevant abstract each);
- experts: a project title → its investigator, each expert indexed as one passage per
  project (the query's own project, where an expert's list holds it, is left out).

All three systems share one embedded index and one embedding per text (cached on disk in
var/cache, so a second run is quick). Prints a table; writes bench/out/matching_quality.json.
"""

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.conf import settings  # noqa: E402

from matching.evaluation import evaluate, read_qrels  # noqa: E402
from matching.matcher import Matcher, search_documents  # noqa: E402
from matching.profiles import RowReader  # noqa: E402
from search.backends.base import reciprocal_rank_fusion  # noqa: E402
from search.backends.embedded import EmbeddedSearchBackend  # noqa: E402
from search.documents import owner_id  # noqa: E402
from search.embedding import encoder  # noqa: E402
from search.embedding.cache import embed_cached  # noqa: E402
from search.text import tokenize  # noqa: E402

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
OUT = Path(__file__).resolve().parent / "out" / "matching_quality.json"


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def joined(*parts):
    return "。".join(part.strip() for part in parts if part and part.strip())


def listings_set(reader):
    qrels = read_qrels(DATA / "listings" / "judged_dev_qrels.tsv")
    demands = {}
    for row in read_jsonl(DATA / "listings" / "needs.jsonl"):
        if row["id"] in qrels:
            row["text"] = joined(row["name"], row.get("context"))
            demands[row["id"]] = reader.profile(row, kind="need")
    supply = {}
    for row in read_jsonl(DATA / "listings" / "achievements.jsonl"):
        row["text"] = joined(row["name"], row.get("industry"), row.get("context"))
        supply[row["id"]] = reader.profile(row, kind="achievement")
    return demands, supply, qrels, 2


def csl_set(reader):
    qrels = read_qrels(DATA / "csl" / "dev_qrels.tsv")
    demands = {
        row["id"]: reader.profile(row, kind="need")
        for row in read_jsonl(DATA / "csl" / "dev_queries.jsonl")
    }
    supply = {
        row["id"]: reader.profile(row, kind="achievement")
        for row in read_jsonl(DATA / "csl" / "corpus.jsonl")
    }
    return demands, supply, qrels, 1


def experts_set(reader):
    qrels = read_qrels(DATA / "experts" / "dev_qrels.tsv")
    queries = read_jsonl(DATA / "experts" / "dev_queries.jsonl")
    query_titles = {row["text"] for row in queries}
    demands = {row["id"]: reader.profile(row, kind="need") for row in queries}
    supply = {}
    for row in read_jsonl(DATA / "experts" / "talents.jsonl"):
        titles = [p["title"] for p in row["projects"] if p["title"] not in query_titles]
        if titles:
            supply[row["id"]] = reader.profile({"id": row["id"], "passages": titles}, kind="talent")
    return demands, supply, qrels, 1


SETS = {"listings": listings_set, "csl": csl_set, "experts": experts_set}
SYSTEMS = ("bm25", "dense", "rrf", "matcher")


def best_by_owner(results, k):
    """Passage results folded to their owners (best passage), top k."""
    best = {}
    for doc_id, score in results:
        owner = owner_id(doc_id)
        if owner not in best:
            best[owner] = score
    return list(best)[:k]


def run_set(name, reader):
    demands, supply, qrels, relevant_grade = SETS[name](reader)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="techbridge-bench-") as folder:
        backend = EmbeddedSearchBackend(folder)
        backend.add_many(search_documents(supply.values(), embed=embed_cached))
        indexed = time.perf_counter() - started
        kinds = sorted({p.kind for p in supply.values()})
        vectors = embed_cached([d.text for d in demands.values()], role="query")
        matcher = Matcher(backend, embed=embed_cached)
        model = encoder.model_id()
        runs = defaultdict(dict)
        depth = settings.MATCHING["depth"]

        def lookup(ids):
            return {pid: supply[pid] for pid in ids if pid in supply}

        timings = []
        for demand, vector in zip(demands.values(), vectors, strict=True):
            tokens = tokenize(demand.text)
            keyword = backend.keyword_search(tokens, kinds=kinds, k=depth)
            dense = backend.vector_search(vector, model=model, kinds=kinds, k=depth)
            runs["bm25"][demand.id] = best_by_owner(keyword, 10)
            runs["dense"][demand.id] = best_by_owner(dense, 10)
            runs["rrf"][demand.id] = best_by_owner(
                reciprocal_rank_fusion([keyword, dense], k=settings.SEARCH_RRF_K), 10
            )
            began = time.perf_counter()
            candidates = matcher.match(demand, kinds=kinds, lookup=lookup, k=10, vector=vector)
            timings.append(time.perf_counter() - began)
            runs["matcher"][demand.id] = [c.profile.id for c in candidates]
    report = {
        "demands": len(demands),
        "supply": len(supply),
        "index_seconds": round(indexed, 1),
        "match_ms_mean": round(1000 * sum(timings) / len(timings), 1),
        "relevant_grade": relevant_grade,
    }
    for system, run in runs.items():
        report[system] = {
            key: round(value, 4) if isinstance(value, float) else value
            for key, value in evaluate(run, qrels, relevant_grade=relevant_grade).items()
        }
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    args = parser.parse_args()
    reader = RowReader()
    reports = {}
    for name in args.sets:
        reports[name] = run_set(name, reader)
    print(f"{'set':<10}{'system':<10}{'nDCG@10':>9}{'R@10':>8}{'MRR':>8}{'unjudged':>10}")
    for name, report in reports.items():
        for system in SYSTEMS:
            m = report[system]
            print(
                f"{name:<10}{system:<10}{m['ndcg@10']:>9.3f}{m['recall@10']:>8.3f}"
                f"{m['mrr']:>8.3f}{m['unjudged@10']:>10.1%}"
            )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps(
            {"model": encoder.model_id(), "weights": settings.MATCHING, "sets": reports}, indent=2
        )
    )
    print(f"→ {OUT}")


if __name__ == "__main__":
    main()
