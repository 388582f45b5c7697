"""Fitting the ranker's logistic models, and judging whether a new one is better.

Training rows are candidates the matcher produced, each with its signals (Match.parts, or the
parts of an offline run) and a label: 1 if a person found it relevant, else 0. Rows are grouped
by demand, and every held-out figure keeps a demand's rows together, so no need is both fitted
and scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.evaluation import ndcg_at_k
from matching.ranker import LogisticModel

# The signals the model fitted on the judged development data weighs: the crawled market's
# listings carry no region, one date and hardly any stated modes or maturity, so structure
# signals there would learn the market's quirks. Retraining on the platform's own decisions
# weighs all of them.
TEXT_FEATURES = (
    "dense",
    "title",
    "keyword_share",
    "coverage",
    "dense_margin",
    "demand_title_dense",
    "demand_title_title",
    "field",
)
ALL_FEATURES = (
    *TEXT_FEATURES,
    "region",
    "cooperation",
    "maturity",
    "maturity_fit",
    "freshness",
    "completeness",
)
# Inverse regularization strength: the judged data hold a few thousand rows from 70 needs.
REGULARIZATION = 0.1
FOLDS = 5


@dataclass
class TrainingSet:
    rows: list  # [{feature: value}]
    labels: np.ndarray  # 0/1
    groups: np.ndarray  # demand ids
    ids: list  # candidate ids
    grades: np.ndarray  # graded relevance where known (labels otherwise)

    def matrix(self, features):
        return np.array([[float(row[name]) for name in features] for row in self.rows])


def training_set(candidates, grades, *, relevant=1):
    """From {demand id: [(candidate id, parts)]} and {demand id: {candidate id: grade}}: one row
    per candidate, labelled relevant from grade `relevant` up (unjudged count 0)."""
    rows, labels, groups, ids, graded = [], [], [], [], []
    for demand_id, found in candidates.items():
        for candidate_id, parts in found:
            grade = grades.get(demand_id, {}).get(candidate_id, 0)
            rows.append(parts)
            labels.append(int(grade >= relevant))
            groups.append(demand_id)
            ids.append(candidate_id)
            graded.append(grade)
    return TrainingSet(rows, np.array(labels), np.array(groups), ids, np.array(graded))


def fit(data, features, *, regularization=REGULARIZATION):
    """A logistic model of P(relevant) over `features`, standardized."""
    from sklearn.linear_model import LogisticRegression

    x = data.matrix(features)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=regularization, max_iter=5000)
    model.fit((x - mean) / scale, data.labels)
    return LogisticModel(
        features=tuple(features),
        mean=tuple(mean.tolist()),
        scale=tuple(scale.tolist()),
        weights=tuple(model.coef_[0].tolist()),
        intercept=float(model.intercept_[0]),
    )


def cross_validated(data, features, *, folds=FOLDS, regularization=REGULARIZATION):
    """Each row's probability from a model fitted without its demand's rows."""
    from sklearn.model_selection import GroupKFold

    probabilities = np.zeros(len(data.labels))
    x = np.zeros((len(data.labels), 1))
    for train, held in GroupKFold(n_splits=folds).split(x, data.labels, data.groups):
        subset = _subset(data, train)
        model = fit(subset, features, regularization=regularization)
        probabilities[held] = model.probabilities([data.rows[i] for i in held])
    return probabilities


def _subset(data, index):
    return TrainingSet(
        [data.rows[i] for i in index],
        data.labels[index],
        data.groups[index],
        [data.ids[i] for i in index],
        data.grades[index],
    )


def split_by_demand(data, *, held_share=0.25, seed=0):
    """(fitting rows, held-back rows), whole demands on either side."""
    from sklearn.model_selection import GroupShuffleSplit

    splitter = GroupShuffleSplit(n_splits=1, test_size=held_share, random_state=seed)
    train, held = next(splitter.split(np.zeros(len(data.labels)), data.labels, data.groups))
    return _subset(data, train), _subset(data, held)


def ranked(data, scores):
    """{demand id: [candidate ids]} ordered by `scores`, best first."""
    runs = {}
    for demand_id in dict.fromkeys(data.groups.tolist()):
        index = np.flatnonzero(data.groups == demand_id)
        order = index[np.argsort(-scores[index], kind="stable")]
        runs[demand_id] = [data.ids[i] for i in order]
    return runs


def mean_ndcg(data, scores, k=10):
    """Mean nDCG@k over demands with any relevant row, with the rows' grades as gains."""
    grades = {}
    for demand_id, candidate_id, grade in zip(data.groups, data.ids, data.grades, strict=True):
        grades.setdefault(demand_id, {})[candidate_id] = int(grade)
    runs = ranked(data, scores)
    values = [
        ndcg_at_k(runs[demand_id], judged, k)
        for demand_id, judged in grades.items()
        if any(grade > 0 for grade in judged.values())
    ]
    return sum(values) / len(values) if values else 0.0


def log_loss(labels, probabilities):
    p = np.clip(probabilities, 1e-6, 1 - 1e-6)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def calibration_table(labels, probabilities, bins=10):
    """Per band of predicted degree: pairs, mean predicted and observed share relevant."""
    table = []
    for band in range(bins):
        low, high = band / bins, (band + 1) / bins
        inside = (probabilities >= low) & (
            probabilities < high if band < bins - 1 else probabilities <= high
        )
        if inside.any():
            table.append(
                {
                    "degrees": f"{round(100 * low)}–{round(100 * high)}",
                    "pairs": int(inside.sum()),
                    "predicted": round(float(probabilities[inside].mean()), 3),
                    "observed": round(float(labels[inside].mean()), 3),
                }
            )
    return table


def expected_calibration_error(labels, probabilities, bins=10):
    table = calibration_table(labels, probabilities, bins)
    total = sum(row["pairs"] for row in table)
    return sum(row["pairs"] * abs(row["predicted"] - row["observed"]) for row in table) / total


def compare(new, old, held):
    """Both models' figures on the held-back rows, and whether the new one is better: lower
    log loss without ranking the held-back demands worse."""
    figures = {}
    for name, model in (("new", new), ("old", old)):
        probabilities = model.probabilities(held.rows)
        figures[name] = {
            "log_loss": round(log_loss(held.labels, probabilities), 5),
            "ndcg@10": round(mean_ndcg(held, probabilities), 5),
        }
    better = (
        figures["new"]["log_loss"] < figures["old"]["log_loss"]
        and figures["new"]["ndcg@10"] >= figures["old"]["ndcg@10"]
    )
    return better, figures
