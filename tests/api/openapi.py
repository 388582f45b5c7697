"""Every API response in the tests is checked against the committed schema, api/openapi.yaml.

The `validate_api_responses` fixture wraps Django's test client: a response to /api/v1/… whose
status code is not documented for its operation, or whose body does not match the documented
schema, fails the test with the operation and the mismatch. The API's own test modules use it
automatically (tests/api/conftest.py; the API test modules of other apps import it). A test that
deliberately goes outside the schema opts out with
`@pytest.mark.openapi_exempt(reason="…")`.

Validation is by openapi-core, against the committed file rather than a schema generated on the
fly, so a test also fails when the committed schema is stale.
"""

import functools
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

API_PREFIX = "/api/v1/"


@functools.cache
def committed_schema():
    """The committed schema as a plain dict, and openapi-core's validator for it."""
    spec = yaml.safe_load((Path(settings.BASE_DIR) / "api" / "openapi.yaml").read_text("utf-8"))
    return spec, OpenAPI.from_dict(spec)


def _details(error):
    """An openapi-core error as lines; a body that fails its schema, one line per place."""
    schema_errors = getattr(error.__cause__, "schema_errors", None)
    if not schema_errors:
        cause = f" ({error.__cause__})" if error.__cause__ else ""
        return [f"{error}{cause}"]
    lines = ["the body does not match the schema:"]
    for schema_error in schema_errors:
        where = "".join(f"[{part!r}]" for part in schema_error.absolute_path) or "(the body)"
        lines.append(f"  at {where}: {schema_error.message}")
    return lines


def _operation(spec, method, path):
    """The operation's id and path template, for the failure message."""
    for template, path_item in spec["paths"].items():
        operation = path_item.get(method.lower())
        if operation is not None and _matches(template, path):
            return f"{operation['operationId']} ({method} {template})"
    return f"{method} {path} (no such operation)"


def _matches(template, path):
    template_parts, path_parts = template.split("/"), path.split("/")
    return len(template_parts) == len(path_parts) and all(
        part == actual or part.startswith("{")
        for part, actual in zip(template_parts, path_parts, strict=True)
    )


def response_errors(response):
    """Why the response does not conform to the committed schema; empty when it does."""
    wsgi_request = response.wsgi_request
    spec, validator = committed_schema()
    request = MockRequest(
        host_url="http://testserver",
        method=wsgi_request.method,
        path=wsgi_request.path,
        args=wsgi_request.GET,
        content_type=wsgi_request.content_type or "",
    )
    body = MockResponse(
        data=response.content,
        status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.get("Content-Type", ""),
    )
    errors = [
        line for error in validator.iter_response_errors(request, body) for line in _details(error)
    ]
    if not errors:
        return []
    operation = _operation(spec, wsgi_request.method, wsgi_request.path)
    return [f"{operation} answered {response.status_code}, which the schema does not allow:"] + [
        f"  {line}" for line in errors
    ]


@pytest.fixture
def validate_api_responses(request, monkeypatch):
    exempt = request.node.get_closest_marker("openapi_exempt")
    if exempt is not None:
        assert exempt.kwargs.get("reason"), "say why with openapi_exempt(reason=…)"
        return
    send = Client.request

    def validated(client, **kwargs):
        response = send(client, **kwargs)
        if response.wsgi_request.path.startswith(API_PREFIX):
            errors = response_errors(response)
            if errors:
                pytest.fail("\n".join(errors), pytrace=False)
        return response

    monkeypatch.setattr(Client, "request", validated)
