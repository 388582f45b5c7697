"""Where webhooks may go: http(s) only, no credentials, no loopback/private/link-local hosts."""

import pytest
from django.core.exceptions import ValidationError

from organizations.selectors import actor_for
from webhooks import services, transport
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

PRIVATE_URLS = [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.10/hook",
    "https://192.168.1.20/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://[::1]:8080/hook",
    "http://[fe80::1]/hook",
    "http://[fd00::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://100.64.0.1/hook",
]


@pytest.fixture
def refuse_private(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_hosts_are_refused(refuse_private, url):
    with pytest.raises(ValidationError) as error:
        services.webhook_url_validate(url=url)
    assert "url" in error.value.message_dict
    assert error.value.error_dict["url"][0].code == "private_host"


@pytest.mark.parametrize("url", PRIVATE_URLS[:3])
def test_private_hosts_are_allowed_when_the_setting_says_so(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    assert services.webhook_url_validate(url=url) == url


def test_a_public_address_is_accepted(refuse_private):
    # An IP literal needs no DNS lookup, so this runs offline.
    url = "https://93.184.216.34/hooks?x=1"
    assert services.webhook_url_validate(url=f"  {url} ") == url


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://files.example.cn/hook", "scheme"),
        ("javascript:alert(1)", "invalid"),
        ("not a url", "invalid"),
        ("", None),
        ("https://user:pass@93.184.216.34/hook", "credentials"),
        ("https://" + "a" * 490 + ".cn/", None),
    ],
)
def test_bad_urls_are_refused_on_the_url_field(url, code):
    with pytest.raises(ValidationError) as error:
        services.webhook_url_validate(url=url)
    assert list(error.value.message_dict) == ["url"]
    if code:
        assert error.value.error_dict["url"][0].code == code


def test_an_unresolvable_host_is_refused(refuse_private, monkeypatch):
    def no_dns(*args, **kwargs):
        raise OSError("no such host")

    monkeypatch.setattr(transport.socket, "getaddrinfo", no_dns)
    with pytest.raises(ValidationError) as error:
        services.webhook_url_validate(url="https://nowhere.example.cn/hook")
    assert error.value.error_dict["url"][0].code == "unresolvable"


def test_a_host_resolving_to_a_private_address_is_refused(refuse_private, monkeypatch):
    """A public-looking name is checked by what it resolves to (any of its addresses)."""

    def resolves_inside(host, port, *args, **kwargs):
        return [
            (transport.socket.AF_INET, 1, 6, "", ("93.184.216.34", port)),
            (transport.socket.AF_INET, 1, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolves_inside)
    with pytest.raises(ValidationError):
        services.webhook_url_validate(url="https://intranet.example.cn/hook")


def test_a_delivery_is_refused_at_send_time_too(society, make_endpoint, receiver, settings):
    """The check is repeated on every attempt (the URL may now resolve elsewhere)."""
    make_endpoint(receiver.url)  # created while private hosts were allowed
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    (delivery,) = services.webhook_emit(organization=society, event="match.pushed", payload={})
    outcome = services.webhook_attempt_delivery(delivery_id=delivery.pk)
    assert outcome.retry
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert "内网" in delivery.last_error


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("192.168.0.1", False),
        ("169.254.1.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_is_public_address(address, public):
    assert transport.is_public_address(address) is public


def test_the_reason_survives_when_the_service_reports_several_fields(society, admin, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ValidationError) as error:
        services.webhook_endpoint_create(
            organization=society, actor=actor_for(user=admin), url="http://10.0.0.1/", events=[]
        )
    assert set(error.value.error_dict) == {"url", "events"}
    assert error.value.error_dict["url"][0].code == "private_host"
