"""A URL under /api/ that no route matches answers 404 in the API's error format, not a page."""

import pytest

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.openapi_exempt(reason="ids that no route accepts: outside every operation"),
]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/achievements/-22065397623448309784064819200/"),
        ("get", "/api/v1/notifications/-3.958931045770643e-254/"),
        ("post", "/api/v1/needs/0.5/review/"),
        ("get", "/api/v1/no-such-resource/"),
    ],
)
def test_an_unknown_api_url_answers_404_in_the_api_format(client, method, path):
    response = getattr(client, method)(path, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "Not found.",
        "fields": {},
    }


def test_an_unknown_page_outside_the_api_stays_a_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
