"""The taxonomy endpoints: what programs use to write fields, regions and modes by code."""

import pytest

from taxonomy.models import CooperationMode, Field, Region
from tests.factories import OrganizationFactory, api_token_for

pytestmark = pytest.mark.django_db

FIELDS = "/api/v1/taxonomy/fields/"
REGIONS = "/api/v1/taxonomy/regions/"
MODES = "/api/v1/taxonomy/cooperation-modes/"


def test_fields_list_everything_unpaginated(client):
    response = client.get(FIELDS)
    assert response.status_code == 200
    rows = response.json()
    assert isinstance(rows, list)
    assert len(rows) == Field.objects.count()
    assert [row["code"] for row in rows] == sorted(row["code"] for row in rows)
    assert set(rows[0]) == {"code", "name", "name_en", "level", "parent"}


@pytest.mark.parametrize("level", [1, 2, 3])
def test_fields_by_level(client, level):
    rows = client.get(FIELDS, {"level": level}).json()
    assert len(rows) == Field.objects.filter(level=level).count()
    assert {row["level"] for row in rows} == {level}
    if level == 1:
        assert {row["parent"] for row in rows} == {None}
    else:
        assert all(len(row["parent"]) == 2 * (level - 1) for row in rows)


def test_fields_by_parent_code(client):
    industry = Field.objects.filter(level=Field.Level.INDUSTRY).order_by("code").first()
    rows = client.get(FIELDS, {"parent__code": industry.code}).json()
    assert sorted(row["code"] for row in rows) == sorted(
        industry.children.values_list("code", flat=True)
    )
    assert {row["parent"] for row in rows} == {industry.code}


def test_field_by_code(client):
    field = Field.objects.filter(level=Field.Level.DIRECTION).select_related("parent").first()
    response = client.get(f"{FIELDS}{field.code}/")
    assert response.status_code == 200
    assert response.json() == {
        "code": field.code,
        "name": field.name,
        "name_en": field.name_en,
        "level": 3,
        "parent": field.parent.code,
    }


def test_regions_list_and_levels(client):
    rows = client.get(REGIONS).json()
    assert len(rows) == Region.objects.count()
    provinces = client.get(REGIONS, {"level": 1}).json()
    assert len(provinces) == Region.objects.filter(level=Region.Level.PROVINCE).count() == 34
    assert {row["parent"] for row in provinces} == {None}
    cities = client.get(REGIONS, {"level": 2}).json()
    assert len(cities) == Region.objects.filter(level=Region.Level.CITY).count()
    assert len(provinces) + len(cities) == len(rows)


def test_region_by_code_and_cities_of_a_province(client):
    response = client.get(f"{REGIONS}330100/")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["level"], body["parent"]) == ("330100", 2, "330000")
    assert body["name"] == "杭州市"
    cities = client.get(REGIONS, {"parent__code": "330000"}).json()
    assert len(cities) == Region.objects.filter(parent__code="330000").count() == 11
    assert "330200" in {row["code"] for row in cities}


def test_cooperation_modes(client):
    rows = client.get(MODES).json()
    assert len(rows) == CooperationMode.objects.count()
    assert [row["code"] for row in rows] == list(
        CooperationMode.objects.order_by("position").values_list("code", flat=True)
    )
    first = rows[0]
    assert client.get(f"{MODES}{first['code']}/").json() == first


@pytest.mark.parametrize(
    "url", [f"{FIELDS}99/", f"{FIELDS}nope/", f"{REGIONS}999999/", f"{MODES}barter/"]
)
def test_unknown_code_is_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "未找到。",
        "fields": {},
    }


@pytest.mark.openapi_exempt(reason="sends methods the schema does not have, to see 405")
@pytest.mark.parametrize("url", [FIELDS, REGIONS, MODES])
def test_taxonomy_is_read_only(client, url):
    key = api_token_for(OrganizationFactory())[1]
    response = client.post(
        url,
        {"code": "x", "name": "x"},
        content_type="application/json",
        headers={"authorization": f"Token {key}"},
    )
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_taxonomy_query_count_is_constant(client, django_assert_num_queries):
    total = Field.objects.count()
    with django_assert_num_queries(1):
        assert len(client.get(FIELDS).json()) == total
    with django_assert_num_queries(1):
        client.get(REGIONS)
