"""The listing filters shared by the browse pages and the API (repositories.filters)."""

import pytest
from django.urls import reverse

from repositories import selectors
from repositories.services import listing_text
from taxonomy.models import CooperationMode, Field
from tests.factories import (
    HANGZHOU,
    SHENZHEN,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    region,
)

pytestmark = pytest.mark.django_db


def _list(client, kind, params):
    return client.get(reverse("repositories:list", kwargs={"kind": kind}), params)


def test_a_bad_filter_is_ignored_and_the_others_still_apply(client):
    kept = NeedFactory(region=region(HANGZHOU))
    NeedFactory(region=region(SHENZHEN))
    response = _list(client, "need", {"field": "nope", "region": ZHEJIANG})
    assert [listing.pk for listing in response.context["page"]] == [kept.pk]
    assert [str(m) for m in response.context["messages"]] == ["部分筛选条件无法识别，已忽略。"]


def test_the_browse_form_offers_maturity_for_achievements_only(client):
    need_form = _list(client, "need", {}).context["form"]
    achievement_form = _list(client, "achievement", {}).context["form"]
    assert list(need_form.fields) == ["q", "field", "region", "mode", "days"]
    assert list(achievement_form.fields) == ["q", "field", "region", "mode", "maturity", "days"]


@pytest.mark.parametrize(
    "url, params",
    [
        (reverse("repositories:list", kwargs={"kind": "need"}), {"region": ZHEJIANG}),
        (reverse("api:need-list"), {"region": HANGZHOU}),
    ],
)
def test_keyword_ranking_is_narrowed_to_the_province_on_both(client, monkeypatch, url, params):
    seen = []

    def rank_by_keywords(**kwargs):
        seen.append(kwargs["filters"])
        return []

    monkeypatch.setattr(selectors, "rank_by_keywords", rank_by_keywords)
    monkeypatch.setattr(selectors, "rank_by_meaning", lambda **kwargs: [])
    NeedFactory(title="印染废水处理", region=region(HANGZHOU))
    assert client.get(url, {"q": "废水", **params}).status_code == 200
    assert seen == [{"province": ZHEJIANG}]


def test_search_text_holds_the_words_of_a_kind_but_not_patent_numbers():
    achievement = AchievementFactory(
        title="高效膜分离", owner_names="张三", patent_numbers="ZL2020101234567"
    )
    text = listing_text(achievement)
    assert "张三" in text
    assert "ZL2020101234567" not in text


def test_the_browse_field_picker_indents_industries_under_their_domain(client):
    choices = list(_list(client, "need", {}).context["form"].fields["field"].choices)
    assert str(choices[0][1]) == "全部"
    labels = [label for _value, label in choices[1:]]
    assert labels[0] == Field.objects.filter(level=1).order_by("code").first().label
    assert labels[1].startswith("· ")


def test_a_filtered_keyword_browse_does_not_grow_in_queries(
    client, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(selectors, "rank_by_keywords", lambda **kwargs: [])
    monkeypatch.setattr(selectors, "rank_by_meaning", lambda **kwargs: [])
    mode = CooperationMode.objects.order_by("code").first()
    params = {"q": "废水", "region": ZHEJIANG, "mode": mode.code, "days": "30"}

    def add(count):
        for _ in range(count):
            NeedFactory(title="印染废水处理", region=region(HANGZHOU)).cooperation_modes.add(mode)

    add(6)
    with django_assert_max_num_queries(10):
        assert len(_list(client, "need", params).context["page"]) == 6
    add(14)
    with django_assert_max_num_queries(10):
        assert len(_list(client, "need", params).context["page"]) == 20
