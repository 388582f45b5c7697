"""The public organization list: search by name, type and region; pinyin order; pages."""

import pytest
from django.urls import reverse

from organizations.models import Organization
from tests.factories import (
    GUANGDONG,
    HANGZHOU,
    NINGBO,
    SHENZHEN,
    ZHEJIANG,
    OrganizationFactory,
    region,
)

pytestmark = pytest.mark.django_db

LIST = reverse("organizations:list")


def names(response):
    return [organization.name for organization in response.context["page"]]


@pytest.fixture
def organizations():
    OrganizationFactory(
        name="中科新材料研究院", kind=Organization.Kind.INSTITUTION, region=region(GUANGDONG)
    )
    OrganizationFactory(name="杭州锂想科技有限公司", region=region(HANGZHOU))
    OrganizationFactory(name="阿里云计算有限公司", region=region(HANGZHOU))
    OrganizationFactory(name="宁波港材料有限公司", region=region(NINGBO))
    OrganizationFactory(
        name="浙江省科协", kind=Organization.Kind.CAST_OFFICE, region=region(ZHEJIANG)
    )
    OrganizationFactory(name="深圳比亚迪材料公司", region=region(SHENZHEN))
    OrganizationFactory(
        name="Zeta Labs 北京", kind=Organization.Kind.INVESTOR, region=region(SHENZHEN)
    )
    OrganizationFactory(name="北京待审核科技公司", status=Organization.Status.PENDING)


def test_sorted_by_pinyin_not_by_code_point(client, organizations):
    # By code point 中 (U+4E2D) would come before 北 and 杭; by pinyin it comes last of the Chinese.
    assert names(client.get(LIST)) == [
        "阿里云计算有限公司",
        "杭州锂想科技有限公司",
        "宁波港材料有限公司",
        "深圳比亚迪材料公司",
        "Zeta Labs 北京",
        "浙江省科协",
        "中科新材料研究院",
    ]


def test_search_by_name(client, organizations):
    assert names(client.get(LIST, {"q": " 材料 "})) == [
        "宁波港材料有限公司",
        "深圳比亚迪材料公司",
        "中科新材料研究院",
    ]


def test_filter_by_type(client, organizations):
    assert names(client.get(LIST, {"kind": "institution"})) == ["中科新材料研究院"]


def test_a_province_takes_in_its_cities(client, organizations):
    response = client.get(LIST, {"province": region(ZHEJIANG).pk})
    assert names(response) == [
        "阿里云计算有限公司",
        "杭州锂想科技有限公司",
        "宁波港材料有限公司",
        "浙江省科协",
    ]
    # The cities offered are the province's own.
    cities = response.context["form"].fields["city"].queryset
    assert {city.parent_id for city in cities} == {region(ZHEJIANG).pk}


def test_a_city_narrows_to_that_city(client, organizations):
    response = client.get(LIST, {"province": region(ZHEJIANG).pk, "city": region(NINGBO).pk})
    assert names(response) == ["宁波港材料有限公司"]


def test_a_city_of_another_province_is_ignored(client, organizations):
    response = client.get(LIST, {"province": region(GUANGDONG).pk, "city": region(NINGBO).pk})
    assert names(response) == ["深圳比亚迪材料公司", "Zeta Labs 北京", "中科新材料研究院"]


def test_nonsense_filters_are_ignored(client, organizations):
    response = client.get(LIST, {"kind": "pirate", "province": "abc", "city": "99999999"})
    assert response.status_code == 200
    assert len(names(response)) == 7


def test_pages_of_thirty_keep_the_filters(client, django_assert_max_num_queries):
    for number in range(35):
        OrganizationFactory(name=f"材料公司{number:02d}", region=region(HANGZHOU))
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"q": "材料", "province": region(ZHEJIANG).pk})
    assert len(names(response)) == 30
    assert "q=%E6%9D%90%E6%96%99&amp;province=" in response.content.decode()
    second = client.get(LIST, {"q": "材料", "province": region(ZHEJIANG).pk, "page": 2})
    assert len(names(second)) == 5


def test_sort_key_follows_a_renamed_organization():
    organization = OrganizationFactory(name="阿尔法公司")
    organization.name = "中科公司"
    organization.save(update_fields=["name"])
    organization.refresh_from_db()
    assert organization.name_sort_key == "zhong ke gong si"
