from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _

# Programs read the API: they say which language they want in Accept-Language.
API_PATH_PREFIX = "/api/"


class ChineseFirstLocaleMiddleware:
    """The interface language is the one the visitor chose with the language button, else zh-hans.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language on web pages:
    the platform opens in Chinese for everyone until someone picks English. The API follows
    Accept-Language as programs expect (after the language button's cookie, as LocaleMiddleware
    does), still zh-hans when it asks for nothing the platform speaks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path_info.startswith(API_PATH_PREFIX)
        if is_api:
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if is_api:
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class PrivateCacheMiddleware:
    """What a signed-in user sees is theirs alone: no browser, proxy or CDN may keep a copy.

    Web pages after sign-in and API answers to a session or a token get `private, no-store`;
    anonymous pages and static files (answered before this, by WhiteNoise) stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # DRF sets request.user on this request too when a token authenticated the call.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class UploadSizeLimitMiddleware:
    """Refuse a form upload larger than DATA_UPLOAD_MAX_MEMORY_SIZE before its body is read.

    Django applies that limit only to the fields that are not files, after reading them;
    files are streamed to disk whatever their size. Content-Length is checked up front,
    so a 2 GB upload is answered 413 at once instead of filling the disk first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        if limit is not None and content_type.startswith("multipart/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return self._too_large(request, limit)
        return self.get_response(request)

    def _too_large(self, request, limit):
        size = limit // (1024 * 1024)
        if request.path_info.startswith(API_PATH_PREFIX):
            # The API's error format and wording (api/errors.py, api/parsers.RequestTooLarge).
            message = _(
                "The request body is too large: at most %(size)d MB may be sent at once."
            ) % {"size": size}
            body = {"status": 413, "code": "too_large", "message": message, "fields": {}}
            return JsonResponse(body, status=413, json_dumps_params={"ensure_ascii": False})
        message = _("The upload is too large: at most %(size)d MB may be sent at once.") % {
            "size": size
        }
        return render(request, "413.html", {"message": message}, status=413)
