"""Ranking quality measures for the matcher's benchmarks (graded judgements, TREC style).

nDCG@k uses gain 2^grade − 1 and is averaged over queries with any grade ≥ 1; Recall@k and MRR
count grade ≥ 2 as relevant and are averaged over queries with any such document. Documents
without a judgement count as grade 0.
"""

import csv
import math
from collections import defaultdict


def read_qrels(path):
    """{query id: {document id: grade}} from a `query<TAB>document<TAB>grade` file."""
    qrels = defaultdict(dict)
    with open(path, encoding="utf-8", newline="") as handle:
        for query_id, document_id, grade in csv.reader(handle, delimiter="\t"):
            qrels[query_id][document_id] = int(grade)
    return dict(qrels)


def ndcg_at_k(ranked, grades, k=10):
    gains = [2 ** grades.get(document_id, 0) - 1 for document_id in ranked[:k]]
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
    ideal = sorted((2**grade - 1 for grade in grades.values()), reverse=True)[:k]
    idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranked, grades, k=10, relevant_grade=2):
    relevant = {d for d, grade in grades.items() if grade >= relevant_grade}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranked, grades, relevant_grade=2):
    for rank, document_id in enumerate(ranked, start=1):
        if grades.get(document_id, 0) >= relevant_grade:
            return 1 / rank
    return 0.0


def evaluate(run, qrels, k=10, relevant_grade=2):
    """Mean nDCG@k, Recall@k, MRR of `run` ({query id: ranked document ids}), and how many of
    the top k were never judged (a system unlike the pooled ones meets unjudged documents)."""
    graded = [q for q, grades in qrels.items() if any(g >= 1 for g in grades.values())]
    relevant = [
        q for q, grades in qrels.items() if any(g >= relevant_grade for g in grades.values())
    ]
    top = [d for q in graded for d in run.get(q, [])[:k]]
    unjudged = sum(1 for q in graded for d in run.get(q, [])[:k] if d not in qrels[q])

    def mean(values):
        return sum(values) / len(values) if values else 0.0

    return {
        f"ndcg@{k}": mean([ndcg_at_k(run.get(q, []), qrels[q], k) for q in graded]),
        f"recall@{k}": mean(
            [recall_at_k(run.get(q, []), qrels[q], k, relevant_grade) for q in relevant]
        ),
        "mrr": mean([reciprocal_rank(run.get(q, []), qrels[q], relevant_grade) for q in relevant]),
        "queries": len(graded),
        f"unjudged@{k}": unjudged / len(top) if top else 0.0,
    }
