"""The API throttle counts anonymous clients by an address they cannot forge."""

import pytest
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

NEEDS = "/api/v1/needs/"


@pytest.fixture
def three_a_minute(settings, monkeypatch):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute"},
    }
    api_settings.reload()
    # The throttle classes read the rates once, at import.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", api_settings.DEFAULT_THROTTLE_RATES)
    cache.clear()
    yield
    cache.clear()


def statuses(client, forwarded_for, remote_addr="203.0.113.7"):
    return [
        client.get(NEEDS, REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=address).status_code
        for address in forwarded_for
    ]


def test_a_rotating_forwarded_header_does_not_reset_the_throttle(client, three_a_minute):
    rotating = [f"198.51.100.{n}" for n in range(6)]
    assert statuses(client, rotating) == [200, 200, 200, 429, 429, 429]


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_alone(
    client, three_a_minute, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    first, second = "198.51.100.1", "198.51.100.2"
    assert statuses(client, [first] * 4, remote_addr="10.0.0.5") == [200, 200, 200, 429]
    assert statuses(client, [second] * 3, remote_addr="10.0.0.5") == [200, 200, 200]


def test_behind_a_trusted_proxy_what_the_client_forwarded_itself_is_ignored(
    client, three_a_minute, settings
):
    # The proxy appends the address it heard from; whatever the client wrote comes before it.
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    spoofed = [f"192.0.2.{n}, 198.51.100.1" for n in range(4)]
    assert statuses(client, spoofed, remote_addr="10.0.0.5") == [200, 200, 200, 429]


def test_an_untrusted_peer_counts_as_itself_even_if_it_says_it_is_a_proxy(
    client, three_a_minute, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    rotating = [f"198.51.100.{n}, 10.0.0.5" for n in range(4)]
    assert statuses(client, rotating) == [200, 200, 200, 429]
