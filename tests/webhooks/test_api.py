"""/api/v1/webhooks/ and /api/v1/webhook-deliveries/: the caller's organization only.

A token manages its organization's webhooks while its creator is an administrator there; a
signed-in user manages those of the organizations they administer. Errors come back in the
API's format, {"status", "code", "message", "fields"}.
"""

import pytest

from organizations.models import Membership, Organization
from tests.api.openapi import validate_api_responses  # noqa: F401  (a fixture)
from tests.factories import OrganizationFactory, api_token_for, member_of
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("validate_api_responses")]

ENDPOINTS = "/api/v1/webhooks/"
DELIVERIES = "/api/v1/webhook-deliveries/"


def auth(key):
    return {"authorization": f"Token {key}"}


def error_body(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "code", "message", "fields"}
    assert body["status"] == status
    return body


@pytest.fixture
def key(society, admin):
    return api_token_for(society, user=admin)[1]


@pytest.fixture
def endpoint(make_endpoint):
    return make_endpoint("https://erp.example.cn/hooks")


@pytest.fixture
def theirs(other_admin, make_endpoint):
    agency = Organization.objects.get(memberships__user=other_admin)
    return make_endpoint("https://agency.example.cn/hooks", organization=agency, by=other_admin)


def make_delivery(endpoint, **fields):
    defaults = {"event": "match.pushed", "payload": {"match": {"id": 1}}, "max_attempts": 6}
    return WebhookDelivery.objects.create(endpoint=endpoint, **{**defaults, **fields})


# --- who may call -----------------------------------------------------------------------------


def test_anonymous_callers_are_refused(client, endpoint):
    for url in (ENDPOINTS, f"{ENDPOINTS}{endpoint.pk}/", DELIVERIES):
        assert error_body(client.get(url), 401)["code"] == "not_authenticated"
    error_body(client.post(ENDPOINTS, {}, content_type="application/json"), 401)


def test_a_token_whose_creator_is_no_longer_an_administrator_is_refused(
    client, society, admin, key, endpoint
):
    Membership.objects.filter(user=admin, organization=society).update(role="member")
    member_of(society)  # someone else administers it now
    body = error_body(client.get(ENDPOINTS, headers=auth(key)), 403)
    assert body["code"] == "permission_denied"
    error_body(client.post(f"{ENDPOINTS}{endpoint.pk}/ping/", headers=auth(key)), 403)


def test_a_plain_member_signed_in_is_refused(client, plain_member, endpoint):
    client.force_login(plain_member)
    error_body(client.get(ENDPOINTS), 403)
    error_body(client.get(DELIVERIES), 403)


def test_another_organizations_endpoints_and_deliveries_are_invisible(
    client, key, endpoint, theirs
):
    mine, other = make_delivery(endpoint), make_delivery(theirs)
    rows = client.get(ENDPOINTS, headers=auth(key)).json()["results"]
    assert [row["id"] for row in rows] == [endpoint.pk]
    rows = client.get(DELIVERIES, headers=auth(key)).json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    for method, url in [
        ("get", f"{ENDPOINTS}{theirs.pk}/"),
        ("patch", f"{ENDPOINTS}{theirs.pk}/"),
        ("delete", f"{ENDPOINTS}{theirs.pk}/"),
        ("post", f"{ENDPOINTS}{theirs.pk}/ping/"),
        ("get", f"{DELIVERIES}{other.pk}/"),
        ("post", f"{DELIVERIES}{other.pk}/redeliver/"),
    ]:
        response = getattr(client, method)(
            url, {"is_active": False}, content_type="application/json", headers=auth(key)
        )
        assert error_body(response, 404)["code"] == "not_found", url
    theirs.refresh_from_db()
    assert theirs.is_active


def test_a_signed_in_administrator_uses_the_session(client, society, admin, endpoint, theirs):
    client.force_login(admin)
    rows = client.get(ENDPOINTS).json()["results"]
    assert [row["id"] for row in rows] == [endpoint.pk]
    response = client.post(
        ENDPOINTS,
        {"url": "https://erp.example.cn/session", "events": ["ping"]},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["organization"] == society.pk


def test_an_administrator_of_two_organizations_chooses_one(client, society, admin):
    second = OrganizationFactory(name="第二机构")
    Membership.objects.create(user=admin, organization=second, role=Membership.Role.ADMIN)
    client.force_login(admin)
    data = {"url": "https://erp.example.cn/x", "events": ["match.pushed"]}
    body = error_body(client.post(ENDPOINTS, data, content_type="application/json"), 400)
    assert list(body["fields"]) == ["organization"]
    response = client.post(
        ENDPOINTS, {**data, "organization": second.pk}, content_type="application/json"
    )
    assert response.status_code == 201
    assert WebhookEndpoint.objects.get().organization == second


# --- endpoints --------------------------------------------------------------------------------


def test_create_returns_the_secret_once(client, society, admin, key):
    response = client.post(
        ENDPOINTS,
        {
            "url": "https://erp.example.cn/hooks",
            "events": ["match.answered", "match.pushed"],
            "description": "ERP",
        },
        content_type="application/json",
        headers=auth(key),
    )
    assert response.status_code == 201
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret and body["secret"].startswith("whsec_")
    assert body["organization"] == society.pk
    assert body["events"] == ["match.pushed", "match.answered"]
    assert body["is_active"] is True
    assert endpoint.created_by == admin

    again = client.get(f"{ENDPOINTS}{endpoint.pk}/", headers=auth(key)).json()
    assert "secret" not in again
    listed = client.get(ENDPOINTS, headers=auth(key)).json()["results"][0]
    assert "secret" not in listed


def test_update_and_delete(client, key, endpoint):
    url = f"{ENDPOINTS}{endpoint.pk}/"
    response = client.patch(
        url,
        {"events": ["listing.published"], "is_active": False},
        content_type="application/json",
        headers=auth(key),
    )
    assert response.status_code == 200
    assert response.json()["events"] == ["listing.published"]
    endpoint.refresh_from_db()
    assert endpoint.events == ["listing.published"] and not endpoint.is_active

    response = client.put(
        url,
        {"url": "https://erp.example.cn/v2", "events": ["match.pushed"], "is_active": True},
        content_type="application/json",
        headers=auth(key),
    )
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp.example.cn/v2" and endpoint.is_active
    assert "secret" not in response.json()

    assert client.delete(url, headers=auth(key)).status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "not a url", "events": ["ping"]}, "url"),
        ({"url": "ftp://files.example.cn/", "events": ["ping"]}, "url"),
        ({"url": "https://u:p@erp.example.cn/", "events": ["ping"]}, "url"),
        ({"events": ["ping"]}, "url"),
        ({"url": "https://erp.example.cn/", "events": []}, "events"),
        ({"url": "https://erp.example.cn/", "events": ["match.deleted"]}, "events"),
        ({"url": "https://erp.example.cn/", "events": "match.pushed"}, "events"),
        ({"url": "https://erp.example.cn/"}, "events"),
        ({"url": "https://erp.example.cn/", "events": ["ping"], "description": "x" * 101}, None),
        ({"url": "https://erp.example.cn/", "events": ["ping"], "organization": 999999}, None),
    ],
)
def test_bad_input_names_the_field(client, key, data, field):
    response = client.post(ENDPOINTS, data, content_type="application/json", headers=auth(key))
    body = error_body(response, 400)
    assert body["code"] == "invalid"
    expected = field or next(name for name in ("description", "organization") if name in data)
    assert list(body["fields"]) == [expected]
    assert all(isinstance(message, str) for message in body["fields"][expected])
    assert not WebhookEndpoint.objects.exists()


def test_another_organization_cannot_be_chosen(client, key, other_admin):
    agency = Organization.objects.get(memberships__user=other_admin)
    data = {"url": "https://erp.example.cn/", "events": ["ping"], "organization": agency.pk}
    body = error_body(
        client.post(ENDPOINTS, data, content_type="application/json", headers=auth(key)), 400
    )
    assert list(body["fields"]) == ["organization"]


def test_a_private_host_is_refused(client, key, settings, endpoint):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    data = {"url": "http://169.254.169.254/latest/", "events": ["ping"]}
    body = error_body(
        client.post(ENDPOINTS, data, content_type="application/json", headers=auth(key)), 400
    )
    assert list(body["fields"]) == ["url"]
    body = error_body(
        client.patch(
            f"{ENDPOINTS}{endpoint.pk}/",
            {"url": "http://10.0.0.8/"},
            content_type="application/json",
            headers=auth(key),
        ),
        400,
    )
    assert list(body["fields"]) == ["url"]
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp.example.cn/hooks"


def test_ping(client, key, make_endpoint, receiver, django_capture_on_commit_callbacks):
    endpoint = make_endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{ENDPOINTS}{endpoint.pk}/ping/", headers=auth(key))
    assert response.status_code == 202
    assert response.json()["event"] == "ping"
    assert [r.headers["X-TechBridge-Event"] for r in receiver.requests] == ["ping"]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED


# --- deliveries -------------------------------------------------------------------------------


def test_deliveries_filter_by_endpoint_status_and_event(client, key, make_endpoint):
    first = make_endpoint("https://erp.example.cn/1")
    second = make_endpoint("https://erp.example.cn/2")
    failed = make_delivery(first, status="failed")
    answered = make_delivery(second, event="match.answered")
    make_delivery(second, status="succeeded")

    def ids(**params):
        response = client.get(DELIVERIES, params, headers=auth(key))
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids(endpoint=first.pk) == {failed.pk}
    assert ids(status="failed") == {failed.pk}
    assert ids(event="match.answered") == {answered.pk}
    assert len(ids()) == 3
    row = client.get(f"{DELIVERIES}{failed.pk}/", headers=auth(key)).json()
    assert row["event_id"] == str(failed.event_id)
    assert row["payload"] == {"match": {"id": 1}}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "lost"}, "status"), ({"event": "x"}, "event"), ({"endpoint": "a"}, "endpoint")],
)
def test_bad_delivery_filters_name_the_field(client, key, params, field):
    body = error_body(client.get(DELIVERIES, params, headers=auth(key)), 400)
    assert list(body["fields"]) == [field]


@pytest.mark.openapi_exempt(reason="sends methods the schema does not have, to see 405")
def test_deliveries_are_read_only(client, key, endpoint):
    delivery = make_delivery(endpoint)
    response = client.patch(
        f"{DELIVERIES}{delivery.pk}/",
        {"status": "succeeded"},
        content_type="application/json",
        headers=auth(key),
    )
    assert error_body(response, 405)["code"] == "method_not_allowed"


def test_redeliver(client, key, endpoint):
    delivery = make_delivery(endpoint, status="failed", attempts=6, last_error="HTTP 500")
    url = f"{DELIVERIES}{delivery.pk}/redeliver/"
    response = client.post(url, headers=auth(key))
    assert response.status_code == 202
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    again = client.post(url, headers={**auth(key), "accept-language": "en"})
    assert error_body(again, 409) == {
        "status": 409,
        "code": "conflict",
        "message": "Only a failed delivery can be sent again.",
        "fields": {},
    }
