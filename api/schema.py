"""The OpenAPI schema documents the error responses each operation can give, and what
every response always holds.

Every error has the body of api/errors.py (the `Error` component). Which statuses an operation
documents follows from the view: 401 and 429 everywhere (a bad token and throttling reach every
endpoint), 400 where the request carries a body or filters, 403 unless anyone may make the
request, 404 for a path with an id or a paginated list (a page past the end), 413 where the
request carries a body, and 409 for the actions a view lists in `conflict_actions` (state
transitions, see api.errors.state_conflicts).
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticatedOrReadOnly

from api.base import TokenScope
from api.errors import ErrorSerializer
from api.serializers import HiddenTextField
from core.uploads import MEDIA_TYPES

ERROR_DESCRIPTIONS = {
    400: _("Invalid input: `fields` names each field and what is wrong with it."),
    401: _("Not signed in, or the API token is unknown or revoked."),
    403: _("Not allowed for you."),
    404: _("No such object among those you may see (or no such page)."),
    409: _("The object's current state does not allow this."),
    413: _("The request body is larger than the platform accepts."),
    429: _("Too many requests: try again later."),
}
_OPEN_FOR_READING = (AllowAny, IsAuthenticatedOrReadOnly)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in responses.items():
            # An error a view declares itself (`responses={404: ErrorSerializer}`) gets the
            # common description too.
            if int(code) in ERROR_DESCRIPTIONS and not response.get("description"):
                response["description"] = ERROR_DESCRIPTIONS[int(code)]
        for status_code in self._error_statuses():
            response = OpenApiResponse(ErrorSerializer, ERROR_DESCRIPTIONS[status_code])
            responses.setdefault(
                str(status_code),
                self._get_response_for_code(response, str(status_code), direction=direction),
            )
        return responses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and isinstance(serializer, serializers.ModelSerializer):
            # A model serializer writes every field of every object it returns, optional
            # ones to write (a project's `seeking`, a listing's `field`) included.
            schema["required"] = sorted(schema["properties"])
        return schema

    def _error_statuses(self):
        statuses = {401}
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer()
        if has_body or self._get_filter_parameters():
            statuses.add(400)
        if has_body:
            statuses.add(413)
        permissions = [
            permission
            for permission in self.view.get_permissions()
            # A token's scopes refuse only what needs a scope.
            if not isinstance(permission, TokenScope)
            or TokenScope.needed_scope(self.view, self.method) is not None
        ]
        open_to_all = all(isinstance(permission, AllowAny) for permission in permissions) or (
            self.method in SAFE_METHODS
            and all(isinstance(permission, _OPEN_FOR_READING) for permission in permissions)
        )
        if not open_to_all:
            statuses.add(403)
        paginated = self._is_list_view() and self._get_paginator() is not None
        if "{" in self.path or paginated:
            statuses.add(404)
        if getattr(self.view, "action", None) in getattr(self.view, "conflict_actions", ()):
            statuses.add(409)
        if self.view.get_throttles():
            statuses.add(429)
        return sorted(statuses)


class HiddenTextFieldExtension(OpenApiSerializerFieldExtension):
    """A string to write; in responses null where the caller may not see it."""

    target_class = HiddenTextField

    def map_serializer_field(self, auto_schema, direction):
        schema = build_basic_type(OpenApiTypes.STR)
        if direction == "response":
            schema["nullable"] = True
        return schema


def nullable_references(result, generator, request, public):
    """Say "this object or null" so that OpenAPI 3.0.3 validators admit the null.

    drf-spectacular writes a nullable nested object as `allOf: [$ref]` with `nullable: true`,
    but in 3.0.3 `nullable` only applies beside a `type` in the same schema, so a validator
    (openapi-core here, schemathesis later) rejects the null. `oneOf: [$ref, NullEnum]` is how
    drf-spectacular itself writes a nullable choice.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})

    def rewrite(node):
        if isinstance(node, list):
            for item in node:
                rewrite(item)
        elif isinstance(node, dict):
            if (
                node.get("nullable") is True
                and "type" not in node
                and len(node.get("allOf", ())) == 1
            ):
                del node["nullable"]
                node["oneOf"] = [node.pop("allOf")[0], {"$ref": "#/components/schemas/NullEnum"}]
                schemas.setdefault("NullEnum", {"enum": [None]})
            for value in node.values():
                rewrite(value)

    rewrite(result)
    return result


# A private file is served typed by its content (core.uploads.upload_private_response).
DOWNLOAD_MEDIA_TYPES = [*dict.fromkeys(MEDIA_TYPES.values()), "application/octet-stream"]


def file_download_responses(description):
    """The 200 of a file download, one entry per media type it may be served as."""
    return {
        (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
        for media_type in DOWNLOAD_MEDIA_TYPES
    }
