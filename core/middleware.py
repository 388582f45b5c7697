from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language

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
