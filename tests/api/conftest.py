import pytest
from django.core.cache import cache

from tests.api.openapi import validate_api_responses  # noqa: F401  (a fixture, used below)


@pytest.fixture(autouse=True)
def _responses_match_the_schema(validate_api_responses):  # noqa: F811
    """Every response of the API in these tests is checked against api/openapi.yaml."""


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttling counts requests in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def auth():
    """auth(key) → the headers a program sends with its API token."""
    return lambda key: {"authorization": f"Token {key}"}
