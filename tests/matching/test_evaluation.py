import math

import pytest

from matching.evaluation import evaluate, ndcg_at_k, read_qrels, recall_at_k, reciprocal_rank

GRADES = {"a": 3, "b": 2, "c": 1, "d": 0}


def test_ndcg_uses_exponential_gain_and_the_ideal_order():
    assert ndcg_at_k(["a", "b", "c"], GRADES) == pytest.approx(1.0)
    dcg = 1 / math.log2(2) + 7 / math.log2(3)  # c then a
    ideal = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(["c", "a", "x"], GRADES) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["x", "y"], GRADES) == 0.0


def test_recall_and_mrr_count_grade_two_and_up():
    assert recall_at_k(["c", "b", "x"], GRADES, k=2) == pytest.approx(0.5)
    assert reciprocal_rank(["d", "c", "b"], GRADES) == pytest.approx(1 / 3)
    assert reciprocal_rank(["d", "c"], GRADES) == 0.0


def test_evaluate_averages_over_the_right_queries(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\ta\t3\nq1\tb\t0\nq2\tc\t1\nq3\td\t0\n", encoding="utf-8")
    qrels = read_qrels(path)
    assert qrels == {"q1": {"a": 3, "b": 0}, "q2": {"c": 1}, "q3": {"d": 0}}
    result = evaluate({"q1": ["a", "z"], "q2": ["y", "c"]}, qrels, k=10)
    # nDCG over q1 and q2 (q3 has no grade >= 1); recall and MRR over q1 only.
    assert result["queries"] == 2
    assert result["ndcg@10"] == pytest.approx((1.0 + (1 / math.log2(3))) / 2)
    assert result["recall@10"] == 1.0 and result["mrr"] == 1.0
    assert result["unjudged@10"] == pytest.approx(2 / 4)
