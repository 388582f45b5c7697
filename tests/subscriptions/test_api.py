"""/api/v1/subscriptions/: a signed-in person's own subscriptions; API tokens are refused."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subscriptions.models import Frequency, Subscription
from taxonomy.models import Field
from tests.api.openapi import validate_api_responses  # noqa: F401  (a fixture)
from tests.factories import (
    HANGZHOU,
    ZHEJIANG,
    AchievementFactory,
    NeedFactory,
    OrganizationFactory,
    UserFactory,
    api_token_for,
    member_of,
    region,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("validate_api_responses")]


def field_of(code):
    return Field.objects.get(code=code)


URL = "/api/v1/subscriptions/"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttling counts requests in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(client):
    user = UserFactory()
    client.force_login(user)
    return user


def error_body(response):
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"}
    assert body["status"] == response.status_code
    return body


def post(client, data, url=URL):
    return client.post(url, data, content_type="application/json")


def test_create_read_update_delete(client, user):
    response = post(
        client,
        {
            "keywords": "锂电池回收；固态电池",
            "technical_fields": ["04", "040204"],
            "regions": [ZHEJIANG],
            "kinds": ["achievement"],
            "frequency": "daily",
        },
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["name"] == "锂电池回收、固态电池、新材料与新能源"
    assert created["keywords"] == "锂电池回收，固态电池"
    assert sorted(created["technical_fields"]) == ["04", "040204"]
    assert created["regions"] == [ZHEJIANG]
    assert (created["kinds"], created["frequency"], created["is_active"]) == (
        ["achievement"],
        "daily",
        True,
    )
    detail = f"{URL}{created['id']}/"
    assert client.get(detail).json() == created

    changed = client.patch(
        detail, {"is_active": False, "regions": [HANGZHOU]}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert (changed.json()["is_active"], changed.json()["regions"]) == (False, [HANGZHOU])
    assert changed.json()["keywords"] == "锂电池回收，固态电池"

    listed = client.get(URL).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == created["id"]
    assert client.delete(detail).status_code == 204
    assert not Subscription.objects.exists()


def test_each_person_sees_only_their_own(client, user, subscribe):
    mine = subscribe(user=user, keywords="废水")
    theirs = subscribe(keywords="氢能")
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    for method in (client.get, client.delete):
        assert method(f"{URL}{theirs.pk}/").status_code == 404
    response = client.patch(
        f"{URL}{theirs.pk}/", {"keywords": "改"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert error_body(response)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.keywords == "氢能"


def test_anonymous_requests_are_refused(client, subscribe):
    subscribe(keywords="废水")
    response = client.get(URL)
    assert response.status_code in (401, 403)
    assert error_body(response)["code"] == "not_authenticated"


def test_an_organizations_api_token_cannot_manage_subscriptions(client, subscribe):
    organization = OrganizationFactory()
    creator = member_of(organization)
    subscribe(user=creator, keywords="废水")
    _token, key = api_token_for(organization, user=creator)
    headers = {"authorization": f"Token {key}"}
    listed = client.get(URL, headers=headers)
    assert listed.status_code == 403
    assert error_body(listed)["code"] == "permission_denied"
    created = client.post(
        URL, {"keywords": "氢能"}, content_type="application/json", headers=headers
    )
    assert created.status_code == 403
    assert Subscription.objects.filter(user=creator).count() == 1
    # The same token still works where tokens belong.
    assert client.get("/api/v1/needs/", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("data", "bad_field"),
    [
        ({"technical_fields": ["999999"]}, "technical_fields"),
        ({"regions": ["000000"]}, "regions"),
        ({"keywords": "废水", "kinds": ["patent"]}, "kinds"),
        ({"keywords": "废水", "frequency": "hourly"}, "frequency"),
        ({"keywords": "的；和"}, "keywords"),
        ({"keywords": "、".join(f"关键词{n}" for n in range(11))}, "keywords"),
        ({"kinds": ["need"]}, "non_field_errors"),
    ],
)
def test_bad_input_names_the_field(client, user, data, bad_field):
    response = post(client, data)
    assert response.status_code == 400
    body = error_body(response)
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [bad_field]
    assert all(isinstance(message, str) for message in body["fields"][bad_field])


def test_too_many_fields_is_an_error_on_technical_fields(client, user):
    codes = list(Field.objects.filter(level=Field.Level.DIRECTION).values_list("code", flat=True))
    assert len(codes) > 20
    body = error_body(post(client, {"technical_fields": codes}))
    assert list(body["fields"]) == ["technical_fields"]


def test_the_limit_is_a_non_field_error(client, user, subscribe, settings):
    settings.SUBSCRIPTIONS_PER_USER_MAX = 1
    subscribe(user=user, keywords="废水")
    response = post(client, {"keywords": "氢能"})
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["non_field_errors"]


def test_an_update_that_removes_every_criterion_is_refused(client, user, subscribe):
    subscription = subscribe(user=user, keywords="废水")
    response = client.patch(
        f"{URL}{subscription.pk}/", {"keywords": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(error_body(response)["fields"]) == ["non_field_errors"]


def test_the_preview_lists_the_latest_matching_live_listings(client, user, subscribe):
    battery = AchievementFactory(title="废旧锂电池回收再利用技术", region=region(HANGZHOU))
    NeedFactory(title="印染废水深度脱色处理技术需求")
    subscription = subscribe(user=user, keywords="锂电池回收", frequency=Frequency.WEEKLY)
    response = client.get(f"{URL}{subscription.pk}/preview/")
    assert response.status_code == 200
    (row,) = response.json()
    assert (row["id"], row["kind"], row["title"], row["url"], row["region"]) == (
        battery.pk,
        "achievement",
        "废旧锂电池回收再利用技术",
        battery.get_absolute_url(),
        HANGZHOU,
    )
    assert "confidential_details" not in row


def test_the_list_takes_as_many_queries_for_many_subscriptions_as_for_one(client, user, subscribe):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    subscribe(user=user, fields=[field_of("050102")], regions=[region(HANGZHOU)], keywords="废水")
    one = count_queries()
    for code in ("04", "0402", "040204"):
        subscribe(user=user, fields=[field_of(code)], regions=[region(ZHEJIANG)], keywords="电池")
    assert count_queries() == one
