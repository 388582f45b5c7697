import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_sign_up_counts():
    """The sign-up e-mail counts (accounts.throttling) live in the cache, which outlives a test:
    each test starts from none, and leaves none to the tests that come after."""
    cache.clear()
    yield
    cache.clear()
