"""The webhook pages under /organizations/<pk>/webhooks/: administrators only, forms, the log."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from organizations.models import Organization
from organizations.selectors import actor_for
from tests.factories import OrganizationFactory, member_of
from webhooks import services
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

INVALID_URL = "请输入合法的URL。"  # Django's own translation of "Enter a valid URL."


@pytest.fixture
def endpoint(make_endpoint):
    return make_endpoint("https://erp.example.cn/hooks")


@pytest.fixture
def failed_delivery(endpoint):
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="match.pushed",
        payload={"match": {"id": 3}},
        status=WebhookDelivery.Status.FAILED,
        attempts=6,
        max_attempts=6,
        last_status_code=502,
        last_error="HTTP 502 bad gateway",
    )


def urls(society, endpoint, delivery):
    """Every webhook page with the method it answers."""
    return [
        ("get", reverse("webhooks:list", args=[society.pk])),
        ("get", reverse("webhooks:create", args=[society.pk])),
        ("post", reverse("webhooks:create", args=[society.pk])),
        ("get", reverse("webhooks:edit", args=[society.pk, endpoint.pk])),
        ("post", reverse("webhooks:edit", args=[society.pk, endpoint.pk])),
        ("post", reverse("webhooks:delete", args=[society.pk, endpoint.pk])),
        ("post", reverse("webhooks:ping", args=[society.pk, endpoint.pk])),
        ("post", reverse("webhooks:redeliver", args=[society.pk, delivery.pk])),
    ]


def form(**overrides):
    data = {
        "url": "https://erp.example.cn/new",
        "events": ["match.pushed", "listing.published"],
        "description": "ERP 对接",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def field_errors(response):
    """The form fields that show an error (data-field of each invalid-feedback)."""
    html = response.content.decode()
    return {name for name in ("url", "events", "description") if f'data-field="{name}"' in html}


# --- who may see the pages --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, society, endpoint, failed_delivery):
    for method, url in urls(society, endpoint, failed_delivery):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["plain_member", "other_admin", "pending_admin"])
def test_everyone_but_the_active_administrators_gets_a_404(
    client, society, endpoint, failed_delivery, plain_member, other_admin, who
):
    user = {"plain_member": plain_member, "other_admin": other_admin}.get(who)
    if who == "pending_admin":
        user = member_of(society)
        user.memberships.update(status="pending")
    client.force_login(user)
    for method, url in urls(society, endpoint, failed_delivery):
        assert getattr(client, method)(url, form()).status_code == 404, url
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert WebhookEndpoint.objects.count() == 1
    assert WebhookDelivery.objects.get().status == "failed"


def test_an_endpoint_of_another_organization_is_not_reachable_through_ones_own(
    client, society, admin, other_admin, make_endpoint
):
    agency = Organization.objects.get(memberships__user=other_admin)
    theirs = make_endpoint("https://agency.example.cn/", organization=agency, by=other_admin)
    client.force_login(admin)
    assert client.get(reverse("webhooks:edit", args=[society.pk, theirs.pk])).status_code == 404
    assert client.post(reverse("webhooks:delete", args=[society.pk, theirs.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=theirs.pk).exists()


def test_the_organization_page_links_to_webhooks_for_administrators_only(
    client, society, admin, plain_member
):
    link = reverse("webhooks:list", args=[society.pk])
    page = reverse("organizations:detail", args=[society.pk])
    client.force_login(admin)
    assert link in client.get(page).content.decode()
    client.force_login(plain_member)
    assert link not in client.get(page).content.decode()


# --- the pages --------------------------------------------------------------------------------


def test_the_list_shows_endpoints_and_the_delivery_log_but_never_the_secret(
    client, society, admin, endpoint, failed_delivery
):
    client.force_login(admin)
    response = client.get(reverse("webhooks:list", args=[society.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "https://erp.example.cn/hooks" in html
    assert "HTTP 502 bad gateway" in html and ">502<" in html
    assert reverse("webhooks:redeliver", args=[society.pk, failed_delivery.pk]) in html
    assert endpoint.secret not in html

    filtered = client.get(reverse("webhooks:list", args=[society.pk]), {"status": "succeeded"})
    assert "HTTP 502 bad gateway" not in filtered.content.decode()


def test_creating_an_endpoint_shows_its_secret_once(client, society, admin):
    client.force_login(admin)
    response = client.post(reverse("webhooks:create", args=[society.pk]), form())
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == "https://erp.example.cn/new"
    assert endpoint.events == ["match.pushed", "listing.published"]
    assert endpoint.description == "ERP 对接" and endpoint.is_active
    assert endpoint.created_by == admin
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in response.content.decode()
    list_page = client.get(reverse("webhooks:list", args=[society.pk])).content.decode()
    assert endpoint.secret not in list_page


def test_an_unverified_organization_cannot_add_endpoints(client):
    pending = OrganizationFactory(status=Organization.Status.PENDING)
    admin = member_of(pending)
    client.force_login(admin)
    response = client.post(reverse("webhooks:create", args=[pending.pk]), form())
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    assert "alert-danger" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"url": "not a url"}, "url", INVALID_URL),
        ({"url": ""}, "url", "该字段是必填项。"),
        ({"url": "ftp://files.example.cn/hook"}, "url", None),
        ({"url": "https://user:pw@erp.example.cn/"}, "url", None),
        ({"events": []}, "events", None),
        ({"events": ["match.deleted"]}, "events", None),
        ({"description": "长" * 101}, "description", None),
    ],
)
def test_bad_input_is_shown_on_its_field(client, society, admin, overrides, field, text):
    client.force_login(admin)
    response = client.post(reverse("webhooks:create", args=[society.pk]), form(**overrides))
    assert response.status_code == 200
    assert field_errors(response) == {field}
    if text:
        assert text in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_a_private_host_is_refused_on_the_url_field(client, society, admin, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    client.force_login(admin)
    for url in ("http://127.0.0.1:8000/hook", "http://192.168.1.5/hook"):
        response = client.post(reverse("webhooks:create", args=[society.pk]), form(url=url))
        assert field_errors(response) == {"url"}
        assert "内网" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_editing_an_endpoint(client, society, admin, endpoint):
    client.force_login(admin)
    edit = reverse("webhooks:edit", args=[society.pk, endpoint.pk])
    page = client.get(edit).content.decode()
    assert "https://erp.example.cn/hooks" in page and endpoint.secret not in page

    response = client.post(edit, form(url="https://erp.example.cn/v2", events=["match.answered"]))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp.example.cn/v2"
    assert endpoint.events == ["match.answered"]

    response = client.post(edit, {"url": endpoint.url, "events": endpoint.events})  # unticked
    endpoint.refresh_from_db()
    assert not endpoint.is_active

    response = client.post(edit, form(url="javascript:alert(1)", events=[]))
    assert field_errors(response) == {"url", "events"}
    endpoint.refresh_from_db()
    assert endpoint.url == "https://erp.example.cn/v2"


def test_deleting_an_endpoint(client, society, admin, endpoint, failed_delivery):
    client.force_login(admin)
    response = client.post(reverse("webhooks:delete", args=[society.pk, endpoint.pk]))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    assert client.get(reverse("webhooks:delete", args=[society.pk, 1])).status_code == 405


def test_sending_a_ping_from_the_page(
    client, society, admin, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("webhooks:ping", args=[society.pk, endpoint.pk]))
    assert response.status_code == 302
    assert [r.headers["X-TechBridge-Event"] for r in receiver.requests] == ["ping"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    log = client.get(response.url).content.decode()
    assert f'id="delivery-{delivery.pk}"' in log and str(delivery.event_id) in log


def test_redelivering_a_failed_delivery(client, society, admin, failed_delivery):
    client.force_login(admin)
    url = reverse("webhooks:redeliver", args=[society.pk, failed_delivery.pk])
    assert client.post(url).status_code == 302
    failed_delivery.refresh_from_db()
    assert failed_delivery.status == WebhookDelivery.Status.PENDING
    assert failed_delivery.attempts == 0
    # Not failed any more: refused with a message, nothing changes.
    response = client.post(url, follow=True)
    assert "alert-danger" in response.content.decode()


def test_services_refuse_non_administrators(society, plain_member, endpoint):
    actor = actor_for(user=plain_member)
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_create(
            organization=society, actor=actor, url="https://a.example.cn/", events=["ping"]
        )
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_update(endpoint=endpoint, actor=actor, data={"is_active": False})
    with pytest.raises(PermissionDenied):
        services.webhook_endpoint_delete(endpoint=endpoint, actor=actor)
    with pytest.raises(PermissionDenied):
        services.webhook_ping(endpoint=endpoint, actor=actor)
