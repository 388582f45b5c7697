"""Ranking and proposal quality of BM25 alone, dense alone, their plain reciprocal rank fusion
(the matching issue's reference) and the platform's matcher on ../shared/data.

    python -m bench.matching_quality [--sets listings csl experts]

The judged sets are described in matching/judged.py. Ranking: nDCG@10 with gain 2^g − 1
(Recall@10 and MRR count grade ≥ 2 on listings, the one relevant document on csl and experts);
unjudged documents count 0 and their share of the top 10 is reported beside every figure.

The matcher is measured twice: in the hand weights' order, and in the ranker's order with
thresholds, as the platform proposes. On the sets the ranker is fitted on (listings, experts)
every demand is ranked by a model fitted without it (5 folds by demand); csl is ranked by the
shipped model, which never saw it. Proposals: per demand, those the platform would propose
(matcher.worth_proposing); their precision (share graded ≥ 1), the share graded 0, the share
of demands with a grade ≥ 2 answer left with none, proposals per demand, and the calibration
table (predicted degree against observed share relevant).

All systems share one embedded index and one embedding per text (cached in var/cache, so a
second run is quick). Prints tables; writes bench/out/matching_quality.json.
"""

import argparse
import json
import os
import time
from collections import defaultdict
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402

from matching import judged, training  # noqa: E402
from matching.evaluation import evaluate  # noqa: E402
from matching.matcher import Candidate, worth_proposing  # noqa: E402
from matching.profiles import RowReader  # noqa: E402
from matching.ranker import initial_ranker  # noqa: E402
from search.backends.base import reciprocal_rank_fusion  # noqa: E402
from search.documents import owner_id  # noqa: E402
from search.embedding import encoder  # noqa: E402
from search.embedding.cache import embed_cached  # noqa: E402
from search.text import tokenize  # noqa: E402

OUT = Path(__file__).resolve().parent / "out" / "matching_quality.json"
SYSTEMS = ("bm25", "dense", "rrf", "matcher-hand", "matcher")


def best_by_owner(results, k):
    """Passage results folded to their owners (best passage), top k."""
    best = {}
    for doc_id, score in results:
        owner = owner_id(doc_id)
        if owner not in best:
            best[owner] = score
    return list(best)[:k]


def baselines(backend, demands, kinds):
    runs = defaultdict(dict)
    depth = settings.MATCHING["depth"]
    vectors = embed_cached([d.text for d in demands.values()], role="query")
    for demand, vector in zip(demands.values(), vectors, strict=True):
        tokens = tokenize(demand.text)
        keyword = backend.keyword_search(tokens, kinds=kinds, k=depth)
        dense = backend.vector_search(vector, model=encoder.model_id(), kinds=kinds, k=depth)
        runs["bm25"][demand.id] = best_by_owner(keyword, 10)
        runs["dense"][demand.id] = best_by_owner(dense, 10)
        runs["rrf"][demand.id] = best_by_owner(
            reciprocal_rank_fusion([keyword, dense], k=settings.SEARCH_RRF_K), 10
        )
    return runs


def proposals(data, probabilities, kind):
    """{demand id: [supply ids]} as the platform proposes them, at most `top` each."""
    runs = {}
    for demand_id in dict.fromkeys(data.groups.tolist()):
        index = np.flatnonzero(data.groups == demand_id)
        order = index[np.argsort(-probabilities[index], kind="stable")]
        ranked = [
            Candidate(
                profile=data.ids[i], score=0.0, parts={}, degree=round(100 * probabilities[i])
            )
            for i in order
        ]
        runs[demand_id] = [c.profile for c in worth_proposing(ranked, kind)][
            : settings.MATCHING["top"]
        ]
    return runs


def proposal_figures(runs, qrels, relevant_grade):
    proposed = [(q, s) for q, ids in runs.items() if q in qrels for s in ids]
    answerable = [
        q for q, grades in qrels.items() if any(g >= relevant_grade for g in grades.values())
    ]
    graded = [qrels[q].get(s, 0) for q, s in proposed]
    return {
        "proposals_per_demand": round(len(proposed) / max(len(qrels), 1), 2),
        "precision": round(np.mean([g >= 1 for g in graded]), 3) if graded else 0.0,
        "graded_0": round(np.mean([g == 0 for g in graded]), 3) if graded else 0.0,
        "unjudged": round(np.mean([s not in qrels[q] for q, s in proposed]), 3)
        if proposed
        else 0.0,
        "answerable_without_proposal": round(np.mean([not runs.get(q) for q in answerable]), 3),
        "demands_without_proposal": round(np.mean([not runs.get(q) for q in qrels]), 3),
    }


def run_set(name, reader):
    demands, supply, qrels, relevant_grade = judged.SETS[name](reader)
    started = time.perf_counter()
    kinds = sorted({p.kind for p in supply.values()})
    (kind,) = kinds
    with judged.indexed(supply, embed=embed_cached) as backend:
        indexed = time.perf_counter() - started
        runs = baselines(backend, demands, kinds)
        began = time.perf_counter()
        found = judged.candidates(backend, demands, supply)
        match_ms = 1000 * (time.perf_counter() - began) / len(demands)
    data = training.training_set(found, qrels)
    hand_scores = np.array([row["score"] for row in data.rows])
    runs["matcher-hand"] = {q: ids[:10] for q, ids in training.ranked(data, hand_scores).items()}
    shipped = initial_ranker().model_for(kind)
    if name in judged.FITS:
        probabilities = training.cross_validated(data, shipped.features)
        ranker_note = "cross-validated by demand (5 folds)"
    else:
        probabilities = shipped.probabilities(data.rows)
        ranker_note = "the shipped model, which never saw this set"
    runs["matcher"] = {q: ids[:10] for q, ids in training.ranked(data, probabilities).items()}
    proposed = proposals(data, probabilities, kind)
    report = {
        "demands": len(demands),
        "supply": len(supply),
        "index_seconds": round(indexed, 1),
        "match_ms_mean": round(match_ms, 1),
        "relevant_grade": relevant_grade,
        "ranker": ranker_note,
        "features": list(shipped.features),
    }
    for system, run in runs.items():
        report[system] = {
            key: round(value, 4) if isinstance(value, float) else value
            for key, value in evaluate(run, qrels, relevant_grade=relevant_grade).items()
        }
    report["proposals"] = {
        **proposal_figures(proposed, qrels, relevant_grade),
        **{
            f"thresholded_{key}": round(value, 4)
            for key, value in evaluate(proposed, qrels, relevant_grade=relevant_grade).items()
            if key.startswith(("ndcg", "unjudged"))
        },
    }
    report["calibration"] = training.calibration_table(data.labels, probabilities)
    report["expected_calibration_error"] = round(
        training.expected_calibration_error(data.labels, probabilities), 4
    )
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", choices=list(judged.SETS), default=list(judged.SETS))
    args = parser.parse_args()
    reader = RowReader()
    reports = {name: run_set(name, reader) for name in args.sets}
    print(f"{'set':<10}{'system':<14}{'nDCG@10':>9}{'R@10':>8}{'MRR':>8}{'unjudged':>10}")
    for name, report in reports.items():
        for system in SYSTEMS:
            m = report[system]
            print(
                f"{name:<10}{system:<14}{m['ndcg@10']:>9.3f}{m['recall@10']:>8.3f}"
                f"{m['mrr']:>8.3f}{m['unjudged@10']:>10.1%}"
            )
    print(
        "\nproposals (thresholds "
        + json.dumps({k: settings.MATCHING[k] for k in ("first_threshold", "threshold")})
        + ")"
    )
    for name, report in reports.items():
        print(f"{name:<10}" + "  ".join(f"{k} {v}" for k, v in report["proposals"].items()))
    for name, report in reports.items():
        error = report["expected_calibration_error"]
        print(f"\ncalibration, {name} ({report['ranker']}; ECE {error})")
        print(f"{'degree':>8}{'pairs':>8}{'predicted':>11}{'observed':>10}")
        for row in report["calibration"]:
            print(
                f"{row['degrees']:>8}{row['pairs']:>8}{row['predicted']:>11.3f}"
                f"{row['observed']:>10.3f}"
            )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "model": encoder.model_id(),
                "precision": encoder.vector_precision(),
                "matching": settings.MATCHING,
                "sets": reports,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"→ {OUT}")


if __name__ == "__main__":
    main()
