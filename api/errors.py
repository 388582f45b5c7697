"""One error format for the whole API.

{"status": 400, "code": "invalid", "message": "…", "fields": {"title": ["…"]}}

A request that is well-formed but that the resource's current state does not allow (submitting
a listing that is not a draft, reviewing one that is not awaiting review) is a conflict: 409,
code "conflict".
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.parsers import RequestTooLarge
from core.middleware import API_PATH_PREFIX


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The object's current state does not allow this.")
    default_code = "conflict"


@contextmanager
def state_conflicts():
    """Turn a service's refusal that names no field into a 409 Conflict.

    Inside a state transition (submit, review, close, …) such a refusal is about the state of
    the resource, not about the request; refusals that name a field stay 400.
    """
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise Conflict(" ".join(error.messages)) from error


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documentation only)."""

    status = serializers.IntegerField(help_text=gettext_lazy("The HTTP status code."))
    code = serializers.CharField(
        help_text=gettext_lazy(
            'What went wrong: "invalid", "parse_error", "not_authenticated", '
            '"authentication_failed", "permission_denied", "not_found", "conflict", '
            '"throttled", …'
        )
    )
    message = serializers.CharField(help_text=gettext_lazy("The error, in the request's language."))
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text=gettext_lazy(
            "For invalid input: the messages for each field, by field name "
            '("non_field_errors" for the request as a whole); empty otherwise.'
        ),
    )


def _as_drf(exc):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    return exc


def _messages(detail):
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    if isinstance(detail, list):
        flat = []
        for item in detail:
            value = _messages(item)
            flat.extend(value if isinstance(value, list) else [value])
        return flat
    return str(detail)


def exception_handler(exc, context):
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body = {"status": response.status_code, "code": "error", "message": "", "fields": {}}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
        body["message"] = _("Some fields are not valid.")
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body["fields"] = {key: _messages(value) for key, value in detail.items()}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        body["code"] = exc.default_code
        body["message"] = _messages(exc.detail)
    return Response(body, status=response.status_code, headers=response.headers)


# Django's own error views (config/urls.py) for what happens outside a DRF view, or escapes
# it: under /api/ they answer in the format above instead of an HTML page.


def _json_error(status_code, code, message):
    body = {"status": status_code, "code": code, "message": str(message), "fields": {}}
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception):
    if not request.path_info.startswith(API_PATH_PREFIX):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        error = RequestTooLarge()
        return _json_error(error.status_code, error.default_code, error.detail)
    return _json_error(status.HTTP_400_BAD_REQUEST, "bad_request", _("The request is not valid."))


def page_not_found(request, exception):
    if not request.path_info.startswith(API_PATH_PREFIX):
        return defaults.page_not_found(request, exception)
    error = exceptions.NotFound()
    return _json_error(error.status_code, error.default_code, error.detail)


def server_error(request):
    if not request.path_info.startswith(API_PATH_PREFIX):
        return defaults.server_error(request)
    return _json_error(
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        "server_error",
        _("Something went wrong on the server; it has been logged. Please try again later."),
    )
