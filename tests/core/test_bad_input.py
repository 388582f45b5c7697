"""No input reaches a 500: ids no row can have, ids and numbers in query strings, bodies nested
too deeply or too large, and whatever still fails under /api/ answers in the API's format."""

import re

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver

from api.errors import bad_request
from api.urls import router
from core.ids import MAX_ID, parse_id
from repositories.models import Need
from tests.factories import NeedFactory, OrganizationFactory, member_of

pytestmark = pytest.mark.django_db

# Beyond a 64-bit integer: SQLite raises OverflowError, PostgreSQL "out of range".
TOO_BIG = "99999999999999999999"
ID_MESSAGE = f"Enter an id: a whole number from 1 to {MAX_ID}."


def _web_routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _web_routes(pattern.url_patterns, route)
        elif "<id:" in route:
            yield "/" + route


WEB_URLS = sorted(
    re.sub(r"<kind:\w+>", "needs", re.sub(r"<id:\w+>", TOO_BIG, route))
    for route in _web_routes(get_resolver().url_patterns)
)
API_DETAIL_URLS = [f"/api/v1/{prefix}/{TOO_BIG}/" for prefix, _, _ in router.registry]


@pytest.fixture
def superuser_client(client):
    # Also an organization's administrator: the webhook endpoints ask for one.
    client.force_login(member_of(OrganizationFactory(), is_staff=True, is_superuser=True))
    client.raise_request_exception = False
    return client


def error_body(status, code, message, fields=None):
    return {"status": status, "code": code, "message": message, "fields": fields or {}}


def test_every_id_route_of_the_web_is_covered():
    assert f"/needs/{TOO_BIG}/" in WEB_URLS
    assert f"/organizations/{TOO_BIG}/webhooks/{TOO_BIG}/edit/" in WEB_URLS
    assert f"/deals/{TOO_BIG}/" in WEB_URLS
    assert f"/cases/{TOO_BIG}/consent/" in WEB_URLS
    assert f"/credit/{TOO_BIG}/appeal/" in WEB_URLS
    assert f"/evaluations/{TOO_BIG}/appeal/" in WEB_URLS
    assert f"/evaluations/seats/{TOO_BIG}/opinion/" in WEB_URLS
    assert f"/demand-analyses/{TOO_BIG}/accept/" in WEB_URLS
    assert f"/managers/mandates/{TOO_BIG}/" in WEB_URLS
    assert f"/orders/vouchers/{TOO_BIG}/" in WEB_URLS
    assert f"/challenges/{TOO_BIG}/apply/" in WEB_URLS
    assert f"/roadshows/meetings/{TOO_BIG}/act/" in WEB_URLS
    assert f"/service-teams/missions/{TOO_BIG}/report/" in WEB_URLS
    assert len(WEB_URLS) == 165


@pytest.mark.parametrize("url", WEB_URLS)
def test_a_web_id_too_big_for_the_database_is_not_found(superuser_client, url):
    assert superuser_client.get(url).status_code == 404


@pytest.mark.parametrize("url", API_DETAIL_URLS)
def test_an_api_id_too_big_for_the_database_is_not_found(superuser_client, url):
    response = superuser_client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == error_body(404, "not_found", "Not found.")


@pytest.mark.parametrize("value", ["1", "9223372036854775807"])
def test_ids_up_to_a_64_bit_integer_are_ids(value):
    assert parse_id(value) == int(value)


@pytest.mark.parametrize("value", ["0", "9223372036854775808", TOO_BIG, "1e20", "-1", "١"])
def test_other_numbers_are_not_ids(value):
    assert parse_id(value) is None


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/needs/?organization=1e20", "organization"),
        (f"/api/v1/needs/?organization={TOO_BIG}", "organization"),
        (f"/api/v1/achievements/?organization={TOO_BIG}", "organization"),
        (f"/api/v1/matches/?need={TOO_BIG}", "need"),
        ("/api/v1/matches/?need=1e20", "need"),
        (f"/api/v1/webhook-deliveries/?endpoint={TOO_BIG}", "endpoint"),
        (f"/api/v1/voucher-redemptions/?order={TOO_BIG}", "order"),
        (f"/api/v1/voucher-redemptions/?voucher={TOO_BIG}", "voucher"),
        (f"/api/v1/demand-analyses/?need={TOO_BIG}", "need"),
    ],
)
def test_an_id_parameter_no_row_can_have_is_refused_naming_it(client, url, parameter):
    organization = OrganizationFactory()
    client.force_login(member_of(organization))

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == error_body(
        400, "invalid", "Some fields are not valid.", {parameter: [ID_MESSAGE]}
    )


def test_an_id_parameter_that_fits_still_filters(client):
    need = NeedFactory()
    NeedFactory()

    response = client.get(f"/api/v1/needs/?organization={need.organization_id}")

    assert [item["id"] for item in response.json()["results"]] == [need.pk]


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/achievements/?maturity_min={TOO_BIG}",
        "/api/v1/achievements/?maturity_min=1e20",
        f"/api/v1/needs/?page_size={TOO_BIG}",
    ],
)
def test_numbers_out_of_any_range_find_nothing_more(superuser_client, url):
    response = superuser_client.get(url)

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("page", [TOO_BIG, "1e20"])
def test_a_page_beyond_the_last_is_not_found(superuser_client, page):
    response = superuser_client.get(f"/api/v1/needs/?page={page}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == error_body(404, "not_found", "Invalid page.")


@pytest.mark.parametrize(
    "query", [f"organization={TOO_BIG}", f"page={TOO_BIG}", "maturity=1e20", f"field={TOO_BIG}"]
)
def test_the_browse_page_ignores_numbers_it_cannot_use(superuser_client, query):
    assert superuser_client.get(f"/achievements/?{query}").status_code == 200


def test_a_bulk_review_with_an_id_too_big_is_refused_naming_it(superuser_client):
    response = superuser_client.post(
        "/api/v1/matches/bulk-review/",
        {"need": int(TOO_BIG), "matches": [int(TOO_BIG)], "decision": "approve"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "need": [f"Ensure this value is less than or equal to {MAX_ID}."],
        "matches": {"0": [f"Ensure this value is less than or equal to {MAX_ID}."]},
    }


def test_a_degree_beyond_any_number_is_refused_naming_it(superuser_client):
    response = superuser_client.get("/api/v1/matches/?min_degree=1e400", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "min_degree": ["Ensure this value is less than or equal to 1e+50."]
    }


def test_json_nested_a_thousand_deep_is_a_parse_error(superuser_client):
    body = "[" * 1000 + "]" * 1000

    response = superuser_client.post(
        "/api/v1/subscriptions/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert response.json() == error_body(
        400, "parse_error", "JSON parse error - the body is nested too deeply."
    )


TOO_LARGE = error_body(
    413, "too_large", "The request body is too large: at most 1 MB may be sent at once."
)


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(superuser_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = '{"name": "' + "x" * (1024 * 1024) + '"}'

    response = superuser_client.post(
        "/api/v1/subscriptions/", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_form_body_over_the_limit_answers_in_the_api_format(superuser_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    body = "name=" + "x" * (1024 * 1024)

    response = superuser_client.post(
        "/api/v1/subscriptions/",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_body_over_the_limit_read_before_the_api_view_answers_in_the_api_format(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    request = RequestFactory().post("/api/v1/subscriptions/")

    response = bad_request(request, RequestDataTooBig())

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"


def test_a_bad_request_outside_drf_answers_in_the_api_format(client):
    response = client.get("/api/v1/needs/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json() == error_body(400, "bad_request", "The request is not valid.")


def test_a_server_error_under_the_api_answers_in_its_format(client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("api.views.ListingViewSet.list", fail)
    client.raise_request_exception = False

    response = client.get("/api/v1/needs/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == error_body(
        500,
        "server_error",
        "Something went wrong on the server; it has been logged. Please try again later.",
    )


def test_a_server_error_on_a_web_page_stays_a_page(client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("repositories.views.listing_list_live", fail)
    client.raise_request_exception = False

    response = client.get("/needs/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_the_refusal_speaks_chinese_by_default(client):
    response = client.get("/api/v1/needs/?organization=1e20")

    assert response.json()["fields"] == {
        "organization": [f"请输入编号：1 至 {MAX_ID} 之间的整数。"]
    }


def test_a_list_of_ids_finds_those_the_column_can_hold():
    need = NeedFactory()

    assert list(Need.objects.filter(pk__in=[int(TOO_BIG), need.pk])) == [need]
    assert list(Need.objects.filter(organization__in=[int(TOO_BIG)])) == []
    assert Need.objects.exclude(pk__in=[int(TOO_BIG)]).count() == 1


def test_a_web_form_with_an_id_too_big_shows_the_error(client):
    client.force_login(member_of(OrganizationFactory()))

    response = client.post(
        "/subscriptions/", {"keywords": "氢能", "regions": [TOO_BIG], "frequency": "daily"}
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["regions"]
