"""The matcher on small real examples from ../shared/data, with the real embedding model."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from matching.evaluation import read_qrels
from matching.matcher import (
    Matcher,
    cooperation_agreement,
    field_agreement,
    profile_passage_ids,
    region_agreement,
    search_documents,
    shared_terms,
)
from matching.profiles import Profile, RowReader
from search.backends.embedded import EmbeddedSearchBackend
from search.documents import owner_id
from search.embedding.cache import embed_cached

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


def test_shared_terms_prefer_whole_terms_in_the_demands_order():
    from search.text import tokenize

    terms = shared_terms(tokenize("红外开关的LED手电筒"), "一种LED手电筒的红外开关电路")
    assert "手电筒" in terms and "led" in terms
    assert not ("电筒" in terms and "手电筒" in terms)


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
