"""The match degree's model: the shipped one, the fallback, and retraining on decisions with
its evaluation gate."""

import numpy as np
import pytest

from matching import services, training
from matching.models import Match, MatchAnswer, RankerModel
from matching.ranker import LogisticModel, Ranker, active_ranker, initial_ranker
from matching.tasks import retrain_ranker
from tests.factories import AchievementFactory, NeedFactory
from tests.matching.builders import make_match

RNG_SEED = 7


def signals(rng, relevant):
    """Signals of a candidate whose relevance shows in region and cooperation agreement (which
    the shipped model, fitted on the crawled market, does not weigh) and faintly in the text."""
    row = {name: float(rng.normal(0.5, 0.1)) for name in training.ALL_FEATURES}
    row["region"] = float(relevant) if rng.random() < 0.9 else float(not relevant)
    row["cooperation"] = float(relevant) if rng.random() < 0.8 else 0.5
    row["score"] = 0.6
    return row


def synthetic(rng, needs=40, per_need=6):
    candidates, grades = {}, {}
    for need in range(needs):
        for n in range(per_need):
            relevant = n % 3 == 0
            candidates.setdefault(need, []).append((f"s{n}", signals(rng, relevant)))
            grades.setdefault(need, {})[f"s{n}"] = int(relevant)
    return training.training_set(candidates, grades)


def test_the_shipped_model_gives_probabilities_and_carries_its_figures():
    ranker = initial_ranker()
    model = ranker.model_for("achievement")
    assert model is ranker.models["default"] and model.features == training.TEXT_FEATURES
    strong = dict.fromkeys(training.TEXT_FEATURES, 1.0) | {"dense": 0.93, "dense_margin": 0.0}
    weak = dict.fromkeys(training.TEXT_FEATURES, 0.0) | {"dense": 0.8, "dense_margin": 0.08}
    low, high = model.probabilities([weak, strong])
    assert 0 <= low < 0.1 < 0.9 < high <= 1


def test_a_model_lacking_a_signal_falls_back_to_the_hand_weights():
    hand = initial_ranker().hand
    broken = Ranker(
        version="v9",
        models={"default": LogisticModel(("gone",), (0.0,), (1.0,), (5.0,), 0.0)},
        hand=hand,
    )
    rows = [{"score": 0.9, "dense": 0.9}, {"score": 0.3, "dense": 0.8}]
    assert list(broken.probabilities("achievement", rows)) == list(hand.probabilities(rows))


def test_the_gate_refuses_a_worse_model():
    data = synthetic(np.random.default_rng(RNG_SEED))
    fitting, held = training.split_by_demand(data)
    good = training.fit(fitting, training.ALL_FEATURES)
    inverted = LogisticModel(
        good.features, good.mean, good.scale, tuple(-w for w in good.weights), good.intercept
    )
    better, figures = training.compare(good, inverted, held)
    assert better and figures["new"]["ndcg@10"] > figures["old"]["ndcg@10"]
    better, figures = training.compare(inverted, good, held)
    assert not better and figures["new"]["log_loss"] > figures["old"]["log_loss"]


def test_cross_validation_never_scores_a_need_with_a_model_that_saw_it(monkeypatch):
    data = synthetic(np.random.default_rng(RNG_SEED), needs=10)
    seen = []
    fit = training.fit

    def spy(subset, features, **options):
        seen.append(set(subset.groups.tolist()))
        return fit(subset, features, **options)

    monkeypatch.setattr(training, "fit", spy)
    training.cross_validated(data, training.ALL_FEATURES)
    assert len(seen) == training.FOLDS
    for fitted_on in seen:
        assert len(fitted_on) == 8  # each fold holds back two of the ten needs


@pytest.fixture
def decisions(db, settings):
    """60 decided matches over 12 needs, as reviewers and parties left them."""
    settings.MATCHING = {
        **settings.MATCHING,
        "retrain_min_decisions": 50,
        "retrain_min_new_decisions": 10,
    }
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(12):
        need = NeedFactory()
        for n in range(5):
            relevant = n in (0, 3)
            status = Match.Status.APPROVED if relevant else Match.Status.REJECTED
            make_match(need, AchievementFactory(), status=status, parts=signals(rng, relevant))
    return Match.objects.all()


def test_retraining_activates_a_better_model_once(decisions):
    assert active_ranker() is initial_ranker()
    first = services.ranker_retrain()
    assert first.version == 1 and first.active
    assert first.decisions == 60 and first.metrics["needs"] == 12
    held = first.metrics["held_back"]
    assert held["new"]["log_loss"] < held["old"]["log_loss"]
    assert active_ranker().version == "v1"
    assert set(active_ranker().model_for("talent").features) == set(training.ALL_FEATURES)
    # The nightly task, run again with no new decision: nothing is fitted.
    retrain_ranker()
    assert RankerModel.objects.count() == 1


def test_a_worse_model_is_kept_but_not_used(decisions, monkeypatch):
    fit = training.fit

    def inverted(subset, features, **options):
        model = fit(subset, features, **options)
        weights = tuple(-w for w in model.weights)
        return LogisticModel(model.features, model.mean, model.scale, weights, model.intercept)

    monkeypatch.setattr(training, "fit", inverted)
    attempt = services.ranker_retrain()
    assert attempt.version == 1 and not attempt.active
    assert active_ranker() is initial_ranker()


def test_retraining_waits_for_enough_decisions(decisions, settings):
    settings.MATCHING = {**settings.MATCHING, "retrain_min_decisions": 61}
    assert services.ranker_retrain() is None
    assert not RankerModel.objects.exists()


def test_answers_outweigh_the_review_and_undecided_matches_are_left_out(decisions):
    approved = decisions.filter(status=Match.Status.APPROVED).first()
    need_member = approved.need.organization
    MatchAnswer.objects.create(
        match=approved, organization=need_member, answer=MatchAnswer.Answer.NOT_RELEVANT
    )
    make_match(NeedFactory(), AchievementFactory(), parts=signals(np.random.default_rng(1), True))
    data = services.decisions_training_set()
    assert len(data.labels) == 60
    by_key = {
        (need, key): label
        for need, key, label in zip(data.groups, data.ids, data.labels, strict=True)
    }
    assert by_key[approved.need_id, approved.supply_key] == 0
