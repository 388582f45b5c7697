"""The figures of the hand-made history (conftest.py), worked out by hand.

Needs: N1 and N2 in 杭州, N3 and N4 in 宁波 (enterprises, March 2025), N5 in 深圳 (an
institution, April). Days after T0 for each step:

        published proposed approved interested contact deal signed registered completed
  N1        0        1        3        5          6     10    20      25         60
  N2        0        2        4        7          9     12     -       -          -   (lost: price)
  N3        1        2        2        4          5      6    16     (20, rejected 21)
  N4        1        5        -
  N5       35        -
"""

from datetime import date
from decimal import Decimal

import pytest

from analytics.models import DealJourney, NeedJourney
from analytics.selectors import (
    StatisticsFilter,
    breakdown_compute,
    deal_origins_count,
    deal_totals_compute,
    funnel_compute,
    leaderboard_compute,
    loss_reasons_count,
    statistics_chart_data,
    statistics_filter_build,
    statistics_report,
)
from organizations.models import Organization
from tests.factories import NINGBO, ZHEJIANG, region

pytestmark = pytest.mark.django_db

EVERYWHERE = StatisticsFilter()


def figures(steps, attribute):
    return {step.key: getattr(step, attribute) for step in steps}


def test_counts_conversions_and_medians_of_the_whole_platform(history):
    steps = funnel_compute(filter_=EVERYWHERE, public=False)
    assert figures(steps, "count") == {
        "published": 5,
        "proposed": 4,
        "approved": 3,
        "interested": 3,
        "contact": 3,
        "deal": 3,
        "signed": 2,
        "registered": 1,  # N3's registration was rejected after it was verified
        "completed": 1,
    }
    assert figures(steps, "from_previous") == {
        "published": None,
        "proposed": 80.0,
        "approved": 75.0,
        "interested": 100.0,
        "contact": 100.0,
        "deal": 100.0,
        "signed": 66.7,
        "registered": 50.0,
        "completed": 100.0,
    }
    assert figures(steps, "from_published") == {
        "published": None,
        "proposed": 80.0,
        "approved": 60.0,
        "interested": 60.0,
        "contact": 60.0,
        "deal": 60.0,
        "signed": 40.0,
        "registered": 20.0,
        "completed": 20.0,
    }
    assert figures(steps, "median_days") == {
        "published": None,
        "proposed": 1.5,  # 1, 2, 1, 4
        "approved": 2.0,  # 2, 2, 0
        "interested": 2.0,  # 2, 3, 2
        "contact": 1.0,  # 1, 2, 1
        "deal": 3.0,  # 4, 3, 1
        "signed": 10.0,  # 10, 10
        "registered": 5.0,
        "completed": 35.0,
    }
    assert figures(steps, "median_sample")["proposed"] == 4


def test_the_need_rows_hold_the_first_time_of_each_step(history):
    n1 = NeedJourney.objects.get(pk=101)
    assert (n1.organization_id, n1.organization_kind) == (history.hangzhou.pk, "enterprise")
    assert n1.published_month == date(2025, 3, 1)
    assert (n1.signed_at - n1.published_at).days == 20
    n2 = NeedJourney.objects.get(pk=102)
    assert (n2.lost_reason, n2.signed_at) == ("price", None)
    assert NeedJourney.objects.get(pk=103).registered_at is None
    # An achievement and a need never seen published leave no row.
    assert set(NeedJourney.objects.values_list("pk", flat=True)) == {101, 102, 103, 104, 105}


def test_the_deal_rows_know_their_origin(history):
    d1 = DealJourney.objects.get(pk=401)
    assert (d1.need_id, d1.match_id, d1.approved_by_id) == (101, 201, history.staff.pk)
    assert (d1.amount, d1.contract_type, d1.stage) == (
        Decimal("50.00"),
        "development_commissioned",
        "done",
    )
    d3 = DealJourney.objects.get(pk=403)
    assert (d3.approved_by_id, d3.registered_at, d3.stage) == (None, None, "signed")
    d4 = DealJourney.objects.get(pk=404)
    assert (d4.need_id, d4.reason, d4.organization_kind) == (None, "ip_terms", "enterprise")
    assert d4.terminated_at is not None and d4.lost_at is None


def test_filters_by_region_subtree_kind_and_month(history):
    zhejiang = statistics_filter_build(region=region(ZHEJIANG))
    assert funnel_compute(filter_=zhejiang, public=False)[0].count == 4
    ningbo = statistics_filter_build(region=region(NINGBO))
    assert figures(funnel_compute(filter_=ningbo, public=False), "count")["proposed"] == 2
    institutions = statistics_filter_build(organization_kind=Organization.Kind.INSTITUTION)
    assert funnel_compute(filter_=institutions, public=False)[0].count == 1
    april = statistics_filter_build(month_from=date(2025, 4, 1))
    assert funnel_compute(filter_=april, public=False)[0].count == 1
    march = statistics_filter_build(month_from=date(2025, 3, 1), month_to=date(2025, 3, 1))
    assert funnel_compute(filter_=march, public=False)[0].count == 4
    # A province's staff asking for a city keep to the city; a city outside gives nothing.
    within = statistics_filter_build(region=region(NINGBO), within_region_ids=frozenset([1]))
    assert funnel_compute(filter_=within, public=False)[0].count == 0


def test_public_figures_hide_cells_under_five(history):
    steps = funnel_compute(filter_=EVERYWHERE, public=True)
    assert figures(steps, "count") == {
        "published": 5,
        **{step.key: None for step in steps[1:]},
    }
    # No median rests on five needs or more; no conversion of hidden counts.
    assert set(figures(steps, "median_days").values()) == {None}
    assert set(figures(steps, "from_previous").values()) == {None}


def test_loss_reasons_and_deal_totals(history):
    reasons = loss_reasons_count(filter_=EVERYWHERE, public=False)
    assert [(row.reason, row.lost, row.terminated) for row in reasons] == [
        ("price", 1, 0),
        ("ip_terms", 0, 1),
    ]
    assert reasons[0].label == "价格"
    totals = deal_totals_compute(filter_=EVERYWHERE)
    assert (totals.deals, totals.without_need, totals.signed, totals.registered) == (4, 1, 3, 1)
    assert (totals.completed, totals.lost, totals.terminated) == (1, 1, 1)
    assert (totals.amount_signed, totals.amount_registered) == (Decimal("90.00"), Decimal("50"))


def test_leaderboards(history):
    by_region = leaderboard_compute(filter_=EVERYWHERE, by="region")
    assert [(row.key, row.deals, row.signed, row.registered) for row in by_region] == [
        (region("330100").pk, 3, 2, 1),
        (region("330200").pk, 1, 1, 0),
    ]
    by_staff = leaderboard_compute(filter_=EVERYWHERE, by="staff")
    assert [(row.label, row.deals, row.signed, row.completed) for row in by_staff] == [
        ("杭州审核员", 2, 1, 1)
    ]
    by_match = leaderboard_compute(filter_=EVERYWHERE, by="match")
    assert {row.key for row in by_match} == {201, 202, 203}


def test_breakdowns(history):
    columns, by_region = breakdown_compute(filter_=EVERYWHERE, by="region", public=False)
    assert columns[0] == "已发布"
    assert [(row.label, row.counts[0], row.counts[3]) for row in by_region] == [
        ("浙江省", 4, 3),
        ("广东省", 1, 0),
    ]
    _, cities = breakdown_compute(
        filter_=statistics_filter_build(region=region(ZHEJIANG)), by="region", public=False
    )
    assert sorted((row.label, row.counts[0]) for row in cities) == [
        ("浙江省 宁波市", 2),
        ("浙江省 杭州市", 2),
    ]
    _, months = breakdown_compute(filter_=EVERYWHERE, by="month", public=True)
    assert [(row.label, row.counts[0]) for row in months] == [("2025-03", None), ("2025-04", None)]
    _, kinds = breakdown_compute(filter_=EVERYWHERE, by="kind", public=False)
    assert [(row.key, row.counts[0]) for row in kinds] == [("enterprise", 4), ("institution", 1)]


def test_deals_by_origin_a_mission_counting_for_the_needs_it_collected(history):
    rows = {row.origin: row for row in deal_origins_count(filter_=EVERYWHERE, public=False)}
    assert list(rows) == ["match", "conversation", "challenge", "roadshow", "mission"]
    figures_of = {
        origin: (row.deals, row.signed, row.registered, row.completed)
        for origin, row in rows.items()
    }
    assert figures_of == {
        "match": (1, 1, 1, 1),  # N1's deal
        "conversation": (1, 1, 0, 0),  # the deal about an achievement
        "challenge": (1, 1, 0, 0),  # N3's, its registration rejected; the award counts
        "roadshow": (0, 0, 0, 0),
        "mission": (1, 0, 0, 0),  # N2's, matched, on a need a mission collected
    }


def test_deals_by_origin_follow_the_filter_and_hide_small_public_cells(history):
    ningbo = statistics_filter_build(region=region(NINGBO))
    rows = {row.origin: row.deals for row in deal_origins_count(filter_=ningbo, public=False)}
    assert rows == {"match": 0, "conversation": 0, "challenge": 1, "roadshow": 0, "mission": 0}
    public = deal_origins_count(filter_=EVERYWHERE, public=True)
    assert {row.deals for row in public} == {None}


def test_the_origins_chart_draws_the_tables_figures(history):
    chart = statistics_chart_data(statistics_report(filter_=EVERYWHERE, full=True))["origins"]
    assert len(chart["labels"]) == 5
    assert chart["series"][0] == [1, 1, 1, 0, 1]  # deals opened per origin
    assert chart["series"][3] == [1, 0, 0, 0, 0]  # completed
