"""The committed OpenAPI schema is current, and the docs pages work offline.

Regenerate the committed file after changing the API:
    .venv/bin/python manage.py spectacular --file api/openapi.yaml --validate
"""

from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import translation

pytestmark = pytest.mark.django_db

COMMITTED = Path(settings.BASE_DIR) / "api" / "openapi.yaml"
LISTING_PATHS = ["needs", "achievements", "projects", "talents"]


class _AssetCollector(HTMLParser):
    """The URLs that <script src> and <link href> load."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def _assets(html):
    collector = _AssetCollector()
    collector.feed(html)
    return collector.urls


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory, django_db_blocker):
    target = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock(), translation.override(settings.LANGUAGE_CODE):
        call_command("spectacular", "--file", str(target), "--validate")
    return yaml.safe_load(target.read_text(encoding="utf-8"))


def test_committed_schema_is_up_to_date(fresh_schema):
    assert COMMITTED.exists(), "generate api/openapi.yaml (see this module's docstring)"
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert committed == fresh_schema, (
        "api/openapi.yaml is stale: regenerate it (see this module's docstring)"
    )


def test_schema_documents_the_listing_endpoints_and_token_auth(fresh_schema):
    paths = fresh_schema["paths"]
    for slug in LISTING_PATHS:
        assert set(paths[f"/api/v1/{slug}/"]) == {"get", "post"}
        assert set(paths[f"/api/v1/{slug}/{{id}}/"]) == {"get", "put", "patch", "delete"}
        for action in ("submit", "review", "reconfirm", "close"):
            assert set(paths[f"/api/v1/{slug}/{{id}}/{action}/"]) == {"post"}
    for taxonomy in ("fields", "regions", "cooperation-modes"):
        assert f"/api/v1/taxonomy/{taxonomy}/{{code}}/" in paths
    schemes = fresh_schema["components"]["securitySchemes"]
    token_auth = schemes["tokenAuth"]
    assert (token_auth["type"], token_auth["in"], token_auth["name"]) == (
        "apiKey",
        "header",
        "Authorization",
    )
    assert '"Token"' in token_auth["description"]
    need_filters = {param["name"] for param in paths["/api/v1/needs/"]["get"]["parameters"]}
    assert {"q", "field", "region", "cooperation_mode", "status", "ordering", "page_size"} <= (
        need_filters
    )
    achievement_filters = {
        param["name"] for param in paths["/api/v1/achievements/"]["get"]["parameters"]
    }
    assert "maturity_min" in achievement_filters
    assert "maturity_min" not in need_filters


def test_schema_endpoint(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    served = yaml.safe_load(response.content)
    committed = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert served["info"] == committed["info"]
    assert set(served["paths"]) == set(committed["paths"])


def test_docs_page_loads_only_local_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _assets(html)
    assert assets, "the page should load its JavaScript"
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), asset
        assert asset.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/")
        relative = asset.split("?")[0].removeprefix("/" + settings.STATIC_URL.strip("/") + "/")
        assert finders.find(relative), f"{asset} is not a static file of this project"
    assert "/api/schema/" in html


def test_every_operation_documents_the_error_format(fresh_schema):
    error = fresh_schema["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "fields", "message", "status"]
    for path, operations in fresh_schema["paths"].items():
        for method, operation in operations.items():
            errors = {code for code in operation["responses"] if code >= "400"}
            assert {"401", "429"} <= errors, (method, path)
            for code in errors:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def _error_codes(schema, path, method):
    return sorted(code for code in schema["paths"][path][method]["responses"] if code >= "400")


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/needs/", "get", ["400", "401", "404", "429"]),
        ("/api/v1/needs/", "post", ["400", "401", "403", "413", "429"]),
        ("/api/v1/needs/{id}/", "get", ["401", "404", "429"]),
        ("/api/v1/needs/{id}/", "delete", ["401", "403", "404", "409", "429"]),
        ("/api/v1/needs/{id}/submit/", "post", ["401", "403", "404", "409", "429"]),
        ("/api/v1/needs/{id}/review/", "post", ["400", "401", "403", "404", "409", "413", "429"]),
        ("/api/v1/taxonomy/fields/", "get", ["400", "401", "429"]),
        ("/api/v1/webhook-deliveries/{id}/redeliver/", "post", ["401", "403", "404", "409", "429"]),
    ],
)
def test_error_statuses_follow_the_view(fresh_schema, path, method, codes):
    assert _error_codes(fresh_schema, path, method) == codes


def test_responses_are_documented_as_always_complete_and_nullable_where_hidden(fresh_schema):
    schemas = fresh_schema["components"]["schemas"]
    project = schemas["Project"]
    assert "seeking" in project["required"]
    assert "seeking" not in schemas["ProjectRequest"].get("required", [])
    assert project["properties"]["confidential_details"]["nullable"] is True
    assert "nullable" not in schemas["ProjectRequest"]["properties"]["confidential_details"]
    # OpenAPI 3.0.3 ignores `nullable` beside `allOf`: a nullable object says oneOf … or null.
    assert project["properties"]["pending_revision"]["oneOf"] == [
        {"$ref": "#/components/schemas/PendingRevision"},
        {"$ref": "#/components/schemas/NullEnum"},
    ]
    assert schemas["Field"]["properties"]["parent"]["nullable"] is True
