"""The check of API responses against api/openapi.yaml (tests/api/openapi.py) at work."""

import json

import pytest

from api.serializers import FieldSerializer
from tests.api.openapi import response_errors

pytestmark = pytest.mark.django_db
# These tests tamper with responses to see the check catch them.
tampering = pytest.mark.openapi_exempt(reason="tampers with responses to see the check catch them")

FIELDS = "/api/v1/taxonomy/fields/"


@tampering
def test_a_conforming_response_passes(client):
    assert response_errors(client.get(FIELDS, {"level": 1})) == []


@tampering
def test_a_body_that_breaks_the_schema_is_named_with_its_operation_and_place(client):
    response = client.get(FIELDS, {"level": 1})
    rows = response.json()
    rows[1]["level"] = "one"
    response.content = json.dumps(rows).encode()
    assert response_errors(response) == [
        "v1_taxonomy_fields_list (GET /api/v1/taxonomy/fields/) answered 200, "
        "which the schema does not allow:",
        "  the body does not match the schema:",
        "    at [1]['level']: 'one' is not one of [1, 2, 3]",
        "    at [1]['level']: 'one' is not of type 'integer'",
    ]


@tampering
def test_an_undocumented_status_is_named(client):
    response = client.get(f"{FIELDS}01/")
    response.status_code = 418
    assert response_errors(response) == [
        "v1_taxonomy_fields_retrieve (GET /api/v1/taxonomy/fields/{code}/) answered 418, "
        "which the schema does not allow:",
        "  Unknown response http status: 418",
    ]


@tampering
def test_an_error_body_outside_the_error_format_is_caught(client):
    response = client.get(f"{FIELDS}nope/")
    assert response.status_code == 404
    assert response_errors(response) == []
    response.content = json.dumps({"detail": "Not found."}).encode()
    errors = response_errors(response)
    assert errors[0].startswith("v1_taxonomy_fields_retrieve (GET /api/v1/taxonomy/fields/{code}/)")
    assert "    at (the body): 'status' is a required property" in errors


def test_a_test_whose_response_breaks_the_schema_fails(client, monkeypatch):
    monkeypatch.setattr(FieldSerializer, "to_representation", lambda self, field: {"code": 1})
    with pytest.raises(pytest.fail.Exception) as failure:
        client.get(f"{FIELDS}01/")
    assert str(failure.value).splitlines() == [
        "v1_taxonomy_fields_retrieve (GET /api/v1/taxonomy/fields/{code}/) answered 200, "
        "which the schema does not allow:",
        "  the body does not match the schema:",
        "    at ['code']: 1 is not of type 'string'",
        "    at (the body): 'level' is a required property",
        "    at (the body): 'name' is a required property",
        "    at (the body): 'name_en' is a required property",
        "    at (the body): 'parent' is a required property",
    ]


@pytest.mark.openapi_exempt(reason="shows that the marker turns the check off")
def test_the_marker_turns_the_check_off(client, monkeypatch):
    monkeypatch.setattr(FieldSerializer, "to_representation", lambda self, field: {"code": 1})
    assert client.get(f"{FIELDS}01/").json() == {"code": 1}
