"""GET /api/v1/statistics/funnel/: public figures for anyone, full ones for the CAST staff of
their regions; bad filters answer 400 naming the field. Every response is checked against
api/openapi.yaml (tests/api/conftest.py)."""

import pytest

from accounts.models import User
from organizations.models import Organization
from tests.analytics.conftest import clock, history  # noqa: F401  (fixtures)
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    ZHEJIANG,
    OrganizationFactory,
    api_token_for,
    cast_staff,
    member_of,
    region,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/statistics/funnel/"


def counts(body):
    return [step["count"] for step in body["steps"]]


def test_anyone_gets_the_public_figures(client, history):  # noqa: F811
    body = client.get(URL).json()
    assert (body["scope"], body["hidden_below"]) == ("public", 5)
    assert counts(body) == [5, None, None, None, None, None, None, None, None]
    assert body["steps"][1]["step"] == "proposed"
    assert body["steps"][1]["median_days_from_previous"] is None
    assert body["steps"][1]["conversion_from_published"] is None
    assert [(row["reason"], row["lost"]) for row in body["loss_reasons"]] == [
        ("price", None),
        ("ip_terms", None),
    ]
    client.force_login(member_of(history.hangzhou))
    assert client.get(URL).json()["scope"] == "public"


def test_a_province_office_gets_its_full_figures(client, history):  # noqa: F811
    client.force_login(cast_staff(ZHEJIANG))
    body = client.get(URL).json()
    assert (body["scope"], body["hidden_below"]) == ("full", None)
    assert counts(body) == [4, 4, 3, 3, 3, 3, 2, 1, 1]
    proposed = body["steps"][1]
    assert (proposed["median_days_from_previous"], proposed["median_sample"]) == (1.5, 4)
    assert body["steps"][6]["conversion_from_previous"] == 66.7
    assert counts(client.get(URL, {"region": NINGBO}).json())[:2] == [2, 2]
    origins = {row["origin"]: (row["deals"], row["signed"]) for row in body["deal_origins"]}
    assert origins == {
        "match": (1, 1),
        "conversation": (1, 1),
        "challenge": (1, 1),
        "roadshow": (0, 0),
        "mission": (1, 0),
    }


def test_a_city_office_gets_public_figures_for_another_region(client, history):  # noqa: F811
    client.force_login(cast_staff(NINGBO))
    assert counts(client.get(URL).json())[:3] == [2, 2, 1]
    body = client.get(URL, {"region": HANGZHOU}).json()
    assert body["scope"] == "public"
    assert counts(body)[0] is None  # 杭州 has 2 needs: hidden, not given away
    body = client.get(URL, {"region": ZHEJIANG}).json()
    assert (body["scope"], counts(body)[0]) == ("public", None)


def test_an_office_token_reads_its_region_in_full(client, auth, history):  # noqa: F811
    office = OrganizationFactory(
        kind=Organization.Kind.CAST_OFFICE, region=region(GUANGDONG), name="广东省科协"
    )
    _token, key = api_token_for(office)
    body = client.get(URL, headers=auth(key)).json()
    assert (body["scope"], counts(body)[0]) == ("full", 1)


def test_a_platform_administrator_gets_every_region_in_full(client, history):  # noqa: F811
    client.force_login(User.objects.create_superuser("root", "root@example.cn", "x-horse-42"))
    body = client.get(URL, {"organization_kind": "enterprise"}).json()
    assert (body["scope"], counts(body)[:2]) == ("full", [4, 4])
    body = client.get(URL, {"month_from": "2025-04", "month_to": "2025-04"}).json()
    assert counts(body)[:2] == [1, 0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "999999"}, "region"),
        ({"field": "nope"}, "field"),
        ({"organization_kind": "cast_office"}, "organization_kind"),
        ({"month_from": "2025-13"}, "month_from"),
        ({"month_to": "March"}, "month_to"),
        ({"month_from": "2025-05", "month_to": "2025-01"}, "month_to"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    if field.startswith("month"):
        assert any("月份" in message for message in body["fields"][field])


def test_the_staff_of_a_region_see_nothing_of_another_in_full(client, history):  # noqa: F811
    """The figures of 浙江 never reach 广东's staff except as public ones."""
    client.force_login(cast_staff(GUANGDONG))
    body = client.get(URL, {"region": ZHEJIANG}).json()
    assert body["scope"] == "public"
    assert counts(body) == [None] * 9
