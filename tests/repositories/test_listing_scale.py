"""Listing lists at the size of a national platform: keyword results read page by page in
relevance order, totals kept in the cache and moved on by any change, keyword totals capped,
and no DISTINCT over whole rows (repositories.selectors, repositories.counts)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from repositories import counts, selectors
from repositories.models import Listing, ListingStatus, Need
from repositories.selectors import KeywordRankedQuerySet, listing_keyword_search, listing_list_live
from taxonomy.models import CooperationMode
from tests.factories import (
    HANGZHOU,
    NINGBO,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    api_token_for,
    region,
)

pytestmark = pytest.mark.django_db

NEEDS = reverse("repositories:list", kwargs={"kind": "need"})


def auth(key):
    return {"authorization": f"Token {key}"}


@pytest.fixture
def ranking(monkeypatch):
    """ranking(pks): the search index ranks these listings, best first, for any query."""
    ranked = []
    monkeypatch.setattr(selectors, "rank_by_keywords", lambda **kwargs: list(ranked))
    monkeypatch.setattr(selectors, "rank_by_meaning", lambda **kwargs: [])
    return lambda pks: ranked.extend(pks)


def need(title, days_ago=0, **fields):
    published = timezone.now() - timedelta(days=days_ago)
    return NeedFactory(title=title, published_at=published, **fields)


def test_ranked_listings_come_first_then_the_newest_page_by_page(ranking):
    listings = [need(f"锂电池回收工艺{i}", days_ago=i) for i in range(12)]
    need("印染废水处理")  # holds no word of the query
    # The index ranks four of them (one twice as old as the rest comes first).
    ranked_pks = [listings[9].pk, listings[2].pk, listings[11].pk, listings[5].pk]
    ranking(ranked_pks)
    results = listing_keyword_search(listing_list_live(kind="need"), kind="need", query="锂电池")
    queryset = results.listings
    assert isinstance(queryset, KeywordRankedQuerySet)
    expected = ranked_pks + [
        listing.pk for listing in listings if listing.pk not in ranked_pks
    ]  # newest first
    assert [listing.pk for listing in queryset] == expected
    pages = [queryset[start : start + 5] for start in range(0, 15, 5)]
    assert [listing.pk for page in pages for listing in page] == expected
    assert queryset[4].pk == expected[4]
    assert queryset.count() == 12


def test_a_ranked_listing_that_the_filters_leave_out_stays_out(client, ranking):
    kept = need("锂电池回收", region=region(HANGZHOU))
    elsewhere = need("锂电池回收", region=region("440300"))
    closed = need("锂电池回收", status=ListingStatus.CLOSED)
    ranking([elsewhere.pk, closed.pk, kept.pk])
    for _ in range(5):
        need("锂电池回收", region=region(NINGBO), days_ago=3)
    response = client.get(NEEDS, {"q": "锂电池", "region": ZHEJIANG})
    pks = [listing.pk for listing in response.context["page"]]
    assert pks[0] == kept.pk
    assert elsewhere.pk not in pks and closed.pk not in pks
    assert len(pks) == 6


def test_each_listing_is_listed_once_with_several_modes_and_no_distinct(client, ranking):
    modes = list(CooperationMode.objects.all()[:3])
    listing = need("锂电池回收")
    listing.cooperation_modes.set(modes)
    for other in range(5):
        need(f"锂电池回收{other}").cooperation_modes.set(modes[:1])
    ranking([listing.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(NEEDS, {"q": "锂电池", "mode": modes[0].code, "region": ZHEJIANG})
    pks = [row.pk for row in response.context["page"]]
    assert pks.count(listing.pk) == 1 and len(pks) == len(set(pks)) == 6
    assert not [q["sql"] for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


def test_keyword_totals_stop_at_the_cap_and_the_page_says_more(client, ranking, monkeypatch):
    monkeypatch.setattr(counts, "KEYWORD_COUNT_CAP", 3)
    for i in range(5):
        need(f"锂电池回收{i}")
    response = client.get(NEEDS, {"q": "锂电池"})
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.count_capped) == (3, True)
    assert "超过 3 条" in response.content.decode()
    # Without keywords the total is exact.
    response = client.get(NEEDS)
    assert (
        response.context["page"].paginator.count,
        response.context["page"].paginator.count_capped,
    ) == (5, False)


def test_the_api_counts_keyword_results_up_to_the_cap(client, ranking, monkeypatch):
    monkeypatch.setattr(counts, "KEYWORD_COUNT_CAP", 3)
    organization = OrganizationFactory()
    _token, key = api_token_for(organization)
    for i in range(5):
        need(f"锂电池回收{i}")
    need("锂电池回收草稿", organization=organization, status=ListingStatus.DRAFT)
    url = reverse("api:need-list")
    assert client.get(url, {"q": "锂电池"}).json()["count"] == 3
    body = client.get(url, {"q": "锂电池"}, headers=auth(key)).json()
    assert body["count"] == 3
    monkeypatch.setattr(counts, "KEYWORD_COUNT_CAP", 1000)
    # The token's organization sees its draft too: the live listings and its own are counted
    # apart and added up.
    assert client.get(url, {"q": "锂电池"}, headers=auth(key)).json()["count"] == 6
    assert client.get(url, {"q": "锂电池"}).json()["count"] == 5


def test_a_total_is_counted_once_until_a_listing_changes(client):
    first = need("锂电池回收")

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(NEEDS)
        total = response.context["page"].paginator.count
        return total, [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]

    total, counted = count_queries()
    assert total == 1 and len(counted) == 1
    total, counted = count_queries()
    assert total == 1 and counted == []  # from the cache
    need("印染废水处理")  # a save moves the listings' generation on
    assert count_queries()[0] == 2
    first.status = ListingStatus.CLOSED
    first.save()
    assert count_queries()[0] == 1


def test_the_home_page_shows_a_new_listing_at_once(client):
    need("锂电池回收")
    assert client.get("/").context["counts"]["need"] == 1
    newest = need("印染废水处理新工艺")
    response = client.get("/")
    assert response.context["counts"]["need"] == 2
    assert newest.title in response.content.decode()
    # Served again from the cache: no query for the figures or the newest listings.
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/")
    assert newest.title in again.content.decode()
    assert not [q for q in queries.captured_queries if "repositories_listing" in q["sql"]]


def test_the_results_page_is_cached_until_a_listing_changes(client):
    first = need("锂电池回收")
    assert first.title in client.get(NEEDS).content.decode()
    with CaptureQueriesContext(connection) as queries:
        assert first.title in client.get(NEEDS).content.decode()
    assert not [q for q in queries.captured_queries if "repositories_need" in q["sql"]]
    first.title = "改过的标题"
    first.save()
    assert "改过的标题" in client.get(NEEDS).content.decode()


def test_keywords_are_found_as_words_in_the_tokens():
    found = need("废旧锂电池回收", problem="锂电池正极材料回收率低")
    need("印染废水处理")
    holding = Listing.objects.filter(search_text__holds_tokens=("锂电池", "回收"))
    assert list(holding.values_list("pk", flat=True)) == [found.pk]
    assert not Listing.objects.filter(search_text__holds_tokens=("锂电池", "印染")).exists()
    assert Need.objects.filter(search_text__holds_tokens=()).count() == 2


def test_the_matches_of_an_organization_are_read_through_its_listings(client):
    from matching.models import Match
    from tests.matching.builders import make_match

    organization = OrganizationFactory()
    _token, key = api_token_for(organization)
    mine = need("锂电池回收", organization=organization)
    theirs = AchievementFactory()
    other = make_match(need("印染废水处理"), AchievementFactory(), status=Match.Status.APPROVED)
    match = make_match(mine, theirs, status=Match.Status.APPROVED)
    assert match.pk != other.pk
    ids = [row["id"] for row in client.get("/api/v1/matches/", headers=auth(key)).json()["results"]]
    assert ids == [match.pk]


def test_keyword_totals_are_capped_in_another_order_too(client, ranking, monkeypatch):
    monkeypatch.setattr(counts, "KEYWORD_COUNT_CAP", 3)
    for i in range(5):
        need(f"锂电池回收{i}")
    url = reverse("api:need-list")
    body = client.get(url, {"q": "锂电池", "ordering": "title"}).json()
    assert body["count"] == 3
    assert [row["title"] for row in body["results"]] == sorted(
        row["title"] for row in body["results"]
    )
