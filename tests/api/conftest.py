import pytest
from django.core.cache import cache


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
