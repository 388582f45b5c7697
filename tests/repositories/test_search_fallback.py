"""Keyword search of natural phrases: when few listings hold every word, related ones follow,
found by some of the words (BM25) or by meaning (the real e5 model); the page says so and the
API's `q` ranks the same way."""

import pytest
from django.urls import reverse

from matching import indexing
from search.backends import get_backend
from search.ranking import rank_by_keywords
from tests.factories import HANGZHOU, SHENZHEN, AchievementFactory, region

pytestmark = pytest.mark.django_db

WELD = "焊缝X射线数字成像缺陷智能识别系统"
RICE = "水稻稻瘟病抗性基因定位与分子育种"


@pytest.fixture
def indexed(settings, tmp_path, real_model):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    get_backend()
    weld = AchievementFactory(
        title=WELD,
        description="对管道焊缝进行X射线数字成像，用深度学习自动识别气孔、裂纹等缺陷。",
    )
    rice = AchievementFactory(title=RICE, description="定位稻瘟病抗性基因，培育抗病水稻新品种。")
    # Shares one common word (检测) with the query, and nothing else.
    dairy = AchievementFactory(
        title="奶牛隐性乳房炎早期快速检测试纸", description="试纸条十分钟检测牛奶体细胞。"
    )
    for listing in (weld, rice, dairy):
        indexing.index_listing(listing.pk)
    return weld, rice


def test_a_natural_phrase_finds_the_related_achievement_and_says_so(client, indexed):
    weld, rice = indexed
    url = reverse("repositories:list", kwargs={"kind": "achievement"})
    response = client.get(url, {"q": "焊缝视觉检测"})
    assert [a.pk for a in response.context["page"]] == [weld.pk]
    assert response.context["broadened"] is True
    assert "意思相近" in response.content.decode()


def test_every_word_found_is_not_broadened(client, indexed):
    weld, _rice = indexed
    url = reverse("repositories:list", kwargs={"kind": "achievement"})
    response = client.get(url, {"q": "焊缝 缺陷"})
    assert [a.pk for a in response.context["page"]] == [weld.pk]
    assert response.context["broadened"] is False
    assert 'id="broadened"' not in response.content.decode()


def test_the_api_q_ranks_as_the_browse_page(client, indexed):
    weld, _rice = indexed
    response = client.get(reverse("api:achievement-list"), {"q": "焊缝视觉检测"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [weld.pk]


def test_the_ranking_is_narrowed_as_the_page_is(settings, tmp_path, real_model):
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    here = AchievementFactory(title="焊缝缺陷检测系统", region=region(HANGZHOU))
    there = AchievementFactory(title="焊缝缺陷检测装置", region=region(SHENZHEN))
    for listing in (here, there):
        indexing.index_listing(listing.pk)
    zhejiang = region(HANGZHOU).province.code
    assert set(rank_by_keywords(kind="achievement", query="焊缝", limit=10)) == {here.pk, there.pk}
    narrowed = rank_by_keywords(
        kind="achievement", query="焊缝", limit=10, filters={"province": zhejiang}
    )
    assert narrowed == [here.pk]
    by_field = rank_by_keywords(
        kind="achievement", query="焊缝", limit=10, filters={"field": here.field.parent.code}
    )
    assert here.pk in by_field
