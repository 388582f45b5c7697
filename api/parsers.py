from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        super().__init__(
            _("The request body is too large: at most %(size)d MB may be sent at once.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)}
        )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what it would otherwise take for a server error.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only for bodies it reads itself (forms), not for
    the stream DRF parses, so a JSON body is measured here by its Content-Length first. A body
    nested too deeply for Python's decoder (RecursionError) is malformed JSON like any other.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge()
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
