"""The API documentation pages render from our own static files alone (no CDN)."""

import re
from urllib.parse import urlsplit

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Every URL the page asked for, the page itself included.
REQUESTED = "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]"


@pytest.mark.parametrize(
    ("path", "rendered", "blocked"),
    [
        # ReDoc's bundle shows a logo from its CDN: the page's policy refuses it.
        pytest.param(
            "/api/redoc/",
            ".api-info h1",
            {"https://cdn.redoc.ly/redoc/logo-mini.svg"},
            id="redoc",
        ),
        pytest.param("/api/docs/", ".swagger-ui .info .title", set(), id="swagger-ui"),
    ],
)
def test_api_documentation_renders_from_this_server_only(
    browser, live_server, path, rendered, blocked
):
    browser.go(path)
    assert browser.visible(rendered).text.startswith("TechBridge API")
    here = urlsplit(live_server.url).netloc
    elsewhere = {
        url for url in browser.driver.execute_script(REQUESTED) if urlsplit(url).netloc != here
    }
    refused = {
        match.group(1)
        for entry in browser.driver.get_log("browser")
        if (match := re.search(r"Loading the image '([^']+)' violates", entry["message"]))
    }
    assert elsewhere == refused == blocked
