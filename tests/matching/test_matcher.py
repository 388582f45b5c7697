"""The matcher on small real examples from ../shared/data, with the real embedding model."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from matching.evaluation import read_qrels
from matching.matcher import (
    Candidate,
    Matcher,
    cooperation_agreement,
    coverage,
    explain,
    field_agreement,
    matched_passage,
    maturity_fit,
    profile_passage_ids,
    region_agreement,
    search_documents,
    shared_terms,
    term_weights,
    worth_proposing,
)
from matching.profiles import Profile, RowReader
from search.backends.base import SearchDocument
from search.backends.embedded import EmbeddedSearchBackend
from search.documents import owner_id
from search.embedding.cache import embed_cached
from search.text import tokenize

LISTINGS = Path(settings.BASE_DIR).parent / "shared" / "data" / "listings"


def rows(name):
    with open(LISTINGS / name, encoding="utf-8") as handle:
        return {row["id"]: row for row in map(json.loads, handle)}


@pytest.fixture(scope="module")
def listings():
    return (
        rows("needs.jsonl"),
        rows("achievements.jsonl"),
        read_qrels(LISTINGS / "judged_dev_qrels.tsv"),
    )


def need_profile(row, reader, **extra):
    return reader.profile({**row, "text": f"{row['name']}。{row['context']}", **extra}, kind="need")


def achievement_profile(row, reader, **extra):
    text = "。".join(filter(None, (row["name"], row.get("industry"), row["context"])))
    return reader.profile({**row, "text": text, **extra}, kind="achievement")


def ranked(demand, supply, tmp_path, k=10):
    backend = EmbeddedSearchBackend(tmp_path / "index")
    backend.add_many(search_documents(supply.values(), embed=embed_cached))
    matcher = Matcher(backend, embed=embed_cached, today=date(2020, 6, 1))
    kinds = sorted({p.kind for p in supply.values()})
    return matcher.match(
        demand,
        kinds=kinds,
        k=k,
        lookup=lambda ids: {i: supply[i] for i in ids if i in supply},
    )


@pytest.mark.django_db
@pytest.mark.parametrize("need_id", ["req-00024", "req-00615"])
def test_the_judged_answer_beats_every_judged_miss(listings, real_model, tmp_path, need_id):
    """The pools' misses (judged 0) were in some system's top 10: they are hard negatives."""
    needs, achievements, qrels = listings
    reader = RowReader()
    answers = [d for d, grade in qrels[need_id].items() if grade == 3]
    misses = [d for d, grade in qrels[need_id].items() if grade == 0]
    supply = {a: achievement_profile(achievements[a], reader) for a in answers[:1] + misses}
    result = ranked(need_profile(needs[need_id], reader), supply, tmp_path)
    assert result[0].profile.id == answers[0]
    assert result[0].explanation["terms"], "a match names the terms both sides use"
    assert len({c.profile.id for c in result}) == len(result)


@pytest.mark.django_db
def test_never_matches_an_organization_with_itself(listings, real_model, tmp_path):
    needs, achievements, qrels = listings
    reader = RowReader()
    graded = sorted(qrels["req-00024"], key=lambda d: -qrels["req-00024"][d])
    answer, runner_up = graded[:2]
    demand = need_profile(needs["req-00024"], reader, organization="acme")
    supply = {
        answer: achievement_profile(achievements[answer], reader, organization="acme"),
        runner_up: achievement_profile(achievements[runner_up], reader, organization="x"),
    }
    assert [c.profile.id for c in ranked(demand, supply, tmp_path)] == [runner_up]


@pytest.mark.django_db
def test_an_expert_is_found_by_the_best_of_their_projects_once(real_model, tmp_path):
    reader = RowReader()
    demand = reader.profile({"id": "q", "text": "锂离子电池负极材料的制备"}, kind="need")
    supply = {
        "battery": reader.profile(
            {
                "id": "battery",
                "passages": [
                    "硅碳复合锂离子电池负极材料研究",
                    "锂电池电解液添加剂",
                    "城市交通规划",
                ],
            },
            kind="talent",
        ),
        "history": reader.profile(
            {"id": "history", "passages": ["明清江南市镇经济史研究"]}, kind="talent"
        ),
    }
    result = ranked(demand, supply, tmp_path)
    # The historian is below the similarity floor: not proposed at all.
    assert [c.profile.id for c in result] == ["battery"]


def test_passages_of_one_party_fold_to_its_id():
    expert = Profile(id="talent:3", kind="talent", passages=["a", "b"])
    assert profile_passage_ids(expert) == ["talent:3#0", "talent:3#1"]
    assert {owner_id(i) for i in profile_passage_ids(expert)} == {"talent:3"}
    assert owner_id("achievement:4@title") == "achievement:4"


def structure(**values):
    return Profile(id=values.pop("id", "x"), kind="need", passages=["x"], **values)


def test_field_agreement_counts_shared_levels_from_the_top():
    need = structure(fields=("01", "0101", "010101"))
    assert field_agreement(need, structure(fields=("01", "0101", "010101"))) == 1
    assert field_agreement(need, structure(fields=("01", "0101", "010102"))) == pytest.approx(2 / 3)
    assert field_agreement(need, structure(fields=("02", "0201", "020101"))) == 0
    assert field_agreement(need, structure()) == 0


def test_region_agreement_city_then_province():
    need = structure(region="330100", province="330000")
    assert region_agreement(need, structure(region="330100", province="330000")) == 1
    assert region_agreement(need, structure(region="330200", province="330000")) == 0.5
    assert region_agreement(need, structure(region="440300", province="440000")) == 0
    assert region_agreement(structure(), structure()) == 0


def test_cooperation_agreement_is_neutral_when_a_side_is_silent():
    need = structure(cooperation_modes=frozenset({"license"}))
    assert cooperation_agreement(need, structure(cooperation_modes=frozenset({"license"}))) == 1
    assert cooperation_agreement(need, structure(cooperation_modes=frozenset({"equity"}))) == 0
    assert cooperation_agreement(need, structure()) == 0.5


def test_shared_terms_leave_out_generic_words_and_quantities_rarest_first(tmp_path):
    backend = EmbeddedSearchBackend(tmp_path / "index")
    backend.add_many(
        [
            SearchDocument(f"achievement:{n}", "achievement", tokenize(text), None, "", {})
            for n, text in enumerate(
                [
                    "降低成本的工业处理技术，成本降低30%以上",
                    "现有工业设备的处理工艺，提高效率1.5倍",
                    "废旧锂电池回收技术，降低成本",
                    "锂电池正极材料",
                ]
            )
        ]
    )
    demand = tokenize("寻求废旧锂电池回收处理技术，要求降低成本30%以上，现有工业设备效率提高1.5倍")
    weights = term_weights(demand, backend)
    supply = set(tokenize("废旧锂电池回收处理工艺：降低成本30%以上，现有工业设备效率提高1.5倍"))
    terms = shared_terms(weights, supply)
    for noise in ("处理", "降低", "成本", "工业", "现有", "以上", "1.5", "30%"):
        assert noise not in terms, noise
    assert terms[:2] == ["废旧", "回收"]  # each in one document: rarer than 锂电池 (two)
    assert "锂电池" in terms
    assert coverage(weights, supply) > coverage(weights, set(tokenize("锂电池正极材料"))) > 0


def test_the_matched_passage_is_the_sentence_holding_the_rarest_shared_terms():
    weights = {"回收": 2.0, "锂电池": 1.0, "正极": 1.5}
    supply = Profile(
        id="a",
        kind="achievement",
        passages=["本团队长期从事材料研究。采用湿法冶金回收废旧锂电池中的钴镍！"],
    )
    assert matched_passage(weights, supply) == "采用湿法冶金回收废旧锂电池中的钴镍！"
    assert matched_passage({"石墨烯": 1.0}, supply) == ""


def test_supply_looking_for_needs_is_explained_from_the_needs_side():
    achievement = Profile(
        id="achievement:1", kind="achievement", passages=["湿法冶金回收钴镍。"], maturity=4
    )
    need = Profile(
        id="need:2",
        kind="need",
        passages=["公司简介。需要回收废旧锂电池中的钴镍。"],
        maturity_wanted=6,
    )
    candidate = Candidate(profile=need, score=0.0, parts={"field": 0.0, "region": 0.0})
    why = explain(achievement, candidate, {"钴镍": 2.0, "回收": 1.0})
    assert (why["passage"], why["passage_of"]) == ("需要回收废旧锂电池中的钴镍。", "need")
    assert (why["maturity"], why["maturity_wanted"]) == (4, 6)
    assert maturity_fit(achievement, need) == maturity_fit(need, achievement) == 0.5
    assert maturity_fit(need, structure(maturity=7)) == 1.0


def candidates_with(*degrees):
    return [Candidate(profile=n, score=0.0, parts={}, degree=d) for n, d in enumerate(degrees)]


def test_only_what_is_worth_proposing_reaches_the_staff(settings):
    settings.MATCHING = {
        **settings.MATCHING,
        "first_threshold": {"default": 30, "talent": 40},
        "threshold": {"default": 50, "talent": 60},
    }
    kept = worth_proposing(candidates_with(72, 55, 49, 20), "achievement")
    assert [c.degree for c in kept] == [72, 55]
    # A demand's best candidate from the lower bar, the rest from the higher one.
    assert [c.degree for c in worth_proposing(candidates_with(35, 33), "achievement")] == [35]
    assert worth_proposing(candidates_with(25, 10), "achievement") == []
    assert worth_proposing(candidates_with(35), "talent") == []
    assert [c.degree for c in worth_proposing(candidates_with(45, 61, 59), "talent")] == [45, 61]


@pytest.mark.django_db
def test_market_rows_map_to_the_platforms_structure():
    reader = RowReader()
    profile = reader.profile(
        {
            "id": "a1",
            "text": "一种锂电池",
            "industry": "新能源-储能技术",
            "classification": "制造业",
            "cooperationMethod": "完全转让许可转让",
            "maturity": "可以量产",
            "postTime": "2020-03-20",
        },
        kind="achievement",
    )
    assert profile.cooperation_modes == {"transfer", "license"}
    assert profile.maturity == 8
    assert profile.published == date(2020, 3, 20)
    assert len(profile.fields) == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"text": "x"}, "`id` is missing"),
        ({"id": "a#1", "text": "x"}, "reserved"),
        ({"id": "a1", "text": "  "}, "`text` is missing"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_bad_rows_are_refused_with_the_reason(row, problem):
    with pytest.raises(ValueError, match=problem):
        RowReader().profile(row, kind="need")
