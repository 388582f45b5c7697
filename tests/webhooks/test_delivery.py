"""Emitting events and delivering them: signed requests, retries, failure, the safety net."""

import json
import socket
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from notifications.models import Notification
from organizations.selectors import actor_for
from tests.factories import OrganizationFactory, member_of
from webhooks import services, tasks
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.signing import verify

pytestmark = pytest.mark.django_db

MATCH = {"match": {"id": 17, "score": 0.82}, "listing": {"id": 5, "title": "锂电池正极材料回收"}}


def emit(organization, event="match.pushed", payload=MATCH):
    return services.webhook_emit(organization=organization, event=event, payload=payload)


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def webhook_notifications():
    return Notification.objects.filter(topic=Notification.Topic.WEBHOOK)


# --- emitting ------------------------------------------------------------------------------


def test_emit_creates_a_delivery_per_active_subscribed_endpoint(society, make_endpoint):
    subscribed = make_endpoint("https://erp.example.cn/a", events=["match.pushed"])
    make_endpoint("https://erp.example.cn/b", events=["listing.published"])
    paused = make_endpoint("https://erp.example.cn/c", events=["match.pushed"])
    WebhookEndpoint.objects.filter(pk=paused.pk).update(is_active=False)
    other = OrganizationFactory()
    make_endpoint("https://other.example.cn/", organization=other, by=member_of(other))

    deliveries = emit(society)

    assert [d.endpoint for d in deliveries] == [subscribed]
    delivery = deliveries[0]
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 0 and delivery.max_attempts == 6
    assert delivery.payload == MATCH
    assert emit(society, event="match.answered") == []


def test_emit_enqueues_the_task_on_commit_with_the_delivery_id_only(
    society, make_endpoint, monkeypatch, django_capture_on_commit_callbacks
):
    make_endpoint("https://erp.example.cn/a")
    sent = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks() as callbacks:
        (delivery,) = emit(society)
    assert sent == []  # nothing before the transaction commits
    for callback in callbacks:
        callback()
    assert sent == [(delivery.pk,)]


def test_emit_accepts_an_organization_id_and_json_friendly_python_values(society, make_endpoint):
    make_endpoint("https://erp.example.cn/a")
    moment = timezone.now()
    (delivery,) = emit(society.pk, payload={"at": moment, "ids": (1, 2)})
    delivery.refresh_from_db()
    assert delivery.payload["ids"] == [1, 2]
    assert delivery.payload["at"].startswith(moment.date().isoformat())


def test_emit_refuses_an_unknown_event(society):
    with pytest.raises(ValueError):
        emit(society, event="match.deleted")


# --- a real delivery -------------------------------------------------------------------------


def test_delivery_to_a_real_server_is_signed_and_verifiable(
    society, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = emit(society)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert request.path == "/hooks/techbridge?source=tb"
    assert headers["content-type"] == "application/json"
    assert headers["x-techbridge-event"] == "match.pushed"
    assert headers["x-techbridge-delivery"] == str(delivery.event_id)
    timestamp = int(headers["x-techbridge-timestamp"])
    assert abs(time.time() - timestamp) < 30
    assert headers["x-techbridge-signature"].startswith("sha256=")
    assert verify(endpoint.secret, timestamp, request.body, headers["x-techbridge-signature"])
    assert not verify("whsec_wrong", timestamp, request.body, headers["x-techbridge-signature"])

    body = json.loads(request.body)
    assert body == {
        "id": str(delivery.event_id),
        "event": "match.pushed",
        "created_at": body["created_at"],
        "organization": society.pk,
        "data": MATCH,
    }

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None and delivery.locked_until is None


def test_a_success_is_not_sent_again_when_the_task_runs_twice(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    (delivery,) = emit(society)
    tasks.deliver_webhook.delay(delivery.pk)
    tasks.deliver_webhook.delay(delivery.pk)
    assert services.webhook_attempt_delivery(delivery_id=delivery.pk) == services.AttemptOutcome()
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 1


def test_a_delivery_held_by_another_worker_is_not_sent(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    (delivery,) = emit(society)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        locked_until=timezone.now() + timedelta(seconds=30)
    )
    assert not services.webhook_attempt_delivery(delivery_id=delivery.pk).sent
    assert receiver.requests == []


# --- retries ---------------------------------------------------------------------------------


def test_a_500_schedules_retries_with_exponential_back_off(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    receiver.answer(500)
    (delivery,) = emit(society)

    before = timezone.now()
    outcome = services.webhook_attempt_delivery(delivery_id=delivery.pk)
    assert outcome == services.AttemptOutcome(sent=True, retry=True, countdown=30)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error.startswith("HTTP 500")
    assert "receiver is broken" in delivery.last_error
    assert before + timedelta(seconds=29) < delivery.next_attempt_at
    assert delivery.next_attempt_at < timezone.now() + timedelta(seconds=31)
    assert delivery.locked_until is None

    # Not due yet: a second run (a duplicate message) sends nothing.
    assert not services.webhook_attempt_delivery(delivery_id=delivery.pk).sent
    assert len(receiver.requests) == 1

    delays = []
    for _ in range(4):
        make_due(delivery)
        delays.append(services.webhook_attempt_delivery(delivery_id=delivery.pk).countdown)
    assert delays == [60, 120, 240, 480]
    assert len(receiver.requests) == 5
    # Every attempt carries the same delivery id, so the receiver can dedupe.
    assert {r.headers["X-TechBridge-Delivery"] for r in receiver.requests} == {
        str(delivery.event_id)
    }
    assert [r.headers["X-TechBridge-Attempt"] for r in receiver.requests] == list("12345")


def test_a_refused_connection_schedules_a_retry(society, make_endpoint):
    make_endpoint(closed_port_url())
    (delivery,) = emit(society)
    outcome = services.webhook_attempt_delivery(delivery_id=delivery.pk)
    assert outcome.retry and outcome.countdown == 30
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code is None
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=25)


def test_a_redirect_is_a_failed_attempt(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    receiver.answer(302)
    (delivery,) = emit(society)
    assert services.webhook_attempt_delivery(delivery_id=delivery.pk).retry


def test_retry_settings_are_read(society, make_endpoint, receiver, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    make_endpoint(receiver.url)
    receiver.answer(503)
    (delivery,) = emit(society)
    assert delivery.max_attempts == 2
    assert services.webhook_attempt_delivery(delivery_id=delivery.pk).countdown == 10
    make_due(delivery)
    assert not services.webhook_attempt_delivery(delivery_id=delivery.pk).retry
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED


def test_the_task_schedules_the_next_attempt_with_a_countdown_on_a_worker(
    society, make_endpoint, receiver, monkeypatch
):
    make_endpoint(receiver.url)
    receiver.answer(500)
    (delivery,) = emit(society)
    scheduled = []
    monkeypatch.setattr(
        tasks.deliver_webhook, "apply_async", lambda **kwargs: scheduled.append(kwargs)
    )
    tasks.deliver_webhook(delivery.pk)  # called as a worker calls it (not eagerly)
    assert scheduled == [{"args": [delivery.pk], "countdown": 30}]


def test_eager_mode_does_not_run_the_retries_back_to_back(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    receiver.answer(500)
    (delivery,) = emit(society)
    tasks.deliver_webhook.delay(delivery.pk)
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 1


# --- final failure, streaks ------------------------------------------------------------------


def test_the_last_failed_attempt_fails_the_delivery_and_tells_the_admins(
    society, admin, plain_member, make_endpoint, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    endpoint = make_endpoint(receiver.url)
    receiver.answer(500)
    (delivery,) = emit(society)
    for _ in range(3):
        make_due(delivery)
        outcome = services.webhook_attempt_delivery(delivery_id=delivery.pk)
    assert outcome == services.AttemptOutcome(sent=True)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 3 and delivery.next_attempt_at is None

    (notification,) = webhook_notifications()
    assert notification.user == admin  # administrators only
    assert "match.pushed" in notification.title
    assert "HTTP 500" in notification.body
    assert notification.url == f"/organizations/{society.pk}/webhooks/"
    endpoint.refresh_from_db()
    assert endpoint.failure_streak == 1 and endpoint.is_active

    # Nothing more happens to a failed delivery.
    make_due(delivery)
    assert not services.webhook_attempt_delivery(delivery_id=delivery.pk).sent
    assert len(receiver.requests) == 3


def test_an_endpoint_failing_too_many_deliveries_in_a_row_is_disabled(
    society, admin, make_endpoint, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    endpoint = make_endpoint(receiver.url)
    receiver.answer(500)
    for _ in range(3):
        (delivery,) = emit(society)
        services.webhook_attempt_delivery(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.failure_streak == 3
    assert not endpoint.is_active and endpoint.disabled_at is not None
    titles = list(webhook_notifications().order_by("id").values_list("title", flat=True))
    assert len(titles) == 3 and "停用" in titles[-1]

    # A disabled endpoint gets no new deliveries, and a pending one is failed unsent.
    assert emit(society) == []
    stuck = WebhookDelivery.objects.create(
        endpoint=endpoint, event="match.pushed", max_attempts=1, next_attempt_at=timezone.now()
    )
    assert not services.webhook_attempt_delivery(delivery_id=stuck.pk).sent
    stuck.refresh_from_db()
    assert stuck.status == WebhookDelivery.Status.FAILED
    assert len(receiver.requests) == 3

    # Enabling it again clears the streak.
    services.webhook_endpoint_update(
        endpoint=endpoint, actor=actor_for(user=admin), data={"is_active": True}
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failure_streak == 0 and endpoint.disabled_at is None


def test_a_success_resets_the_streak(society, make_endpoint, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    endpoint = make_endpoint(receiver.url)
    receiver.answer(500, 500, 200)
    for _ in range(3):
        (delivery,) = emit(society)
        services.webhook_attempt_delivery(delivery_id=delivery.pk)
    endpoint.refresh_from_db()
    assert endpoint.failure_streak == 0 and endpoint.is_active


# --- ping and redelivery ----------------------------------------------------------------------


def test_a_ping_is_sent_once_and_does_not_count_against_the_endpoint(
    society, admin, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint(receiver.url)
    receiver.answer(500)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_ping(endpoint=endpoint, actor=actor_for(user=admin))
    assert receiver.requests[0].headers["X-TechBridge-Event"] == "ping"
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 1
    endpoint.refresh_from_db()
    assert endpoint.failure_streak == 0
    assert not webhook_notifications().exists()


def test_subscribing_to_ping_pings_the_new_endpoint(
    society, make_endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_endpoint(receiver.url, events=["ping", "match.pushed"])
    assert [r.headers["X-TechBridge-Event"] for r in receiver.requests] == ["ping"]


def test_redelivery_resends_a_failed_delivery_with_the_same_event_id(
    society, admin, plain_member, make_endpoint, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    make_endpoint(receiver.url)
    receiver.answer(500, 200)
    (delivery,) = emit(society)
    services.webhook_attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED

    with pytest.raises(PermissionDenied):
        services.webhook_delivery_redeliver(delivery=delivery, actor=actor_for(user=plain_member))

    services.webhook_delivery_redeliver(delivery=delivery, actor=actor_for(user=admin))
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0
    assert services.webhook_attempt_delivery(delivery_id=delivery.pk).succeeded
    assert [r.headers["X-TechBridge-Delivery"] for r in receiver.requests] == [
        str(delivery.event_id)
    ] * 2

    delivery.refresh_from_db()
    with pytest.raises(ValidationError):
        services.webhook_delivery_redeliver(delivery=delivery, actor=actor_for(user=admin))


# --- the safety net ---------------------------------------------------------------------------


def test_retry_due_webhooks_sends_overdue_deliveries_only(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    overdue, recent, held = (emit(society)[0] for _ in range(3))
    long_ago = timezone.now() - timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk__in=[overdue.pk, held.pk]).update(next_attempt_at=long_ago)
    WebhookDelivery.objects.filter(pk=held.pk).update(
        locked_until=timezone.now() + timedelta(seconds=30)
    )

    assert tasks.retry_due_webhooks() == 1

    assert [r.headers["X-TechBridge-Delivery"] for r in receiver.requests] == [
        str(overdue.event_id)
    ]
    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert statuses == {overdue.pk: "succeeded", recent.pk: "pending", held.pk: "pending"}


def test_a_crashed_workers_claim_expires(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    (delivery,) = emit(society)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=1,
        next_attempt_at=timezone.now() - timedelta(minutes=10),
        locked_until=timezone.now() - timedelta(seconds=1),
    )
    assert tasks.retry_due_webhooks() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED and delivery.attempts == 2


def test_the_management_command_runs_the_safety_net(society, make_endpoint, receiver):
    make_endpoint(receiver.url)
    (delivery,) = emit(society)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    call_command("webhooks_retry_due")
    assert len(receiver.requests) == 1


# --- delivery switched off (WEBHOOK_DELIVERY) -------------------------------------------------


def test_with_delivery_off_a_delivery_is_recorded_but_never_sent(
    society, make_endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DELIVERY = False
    make_endpoint(receiver.url)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        (delivery,) = emit(society)

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 0
    assert delivery.last_status_code is None
    assert delivery.last_error == "Not sent: webhook delivery is switched off."
    assert delivery.next_attempt_at is None
    assert not webhook_notifications().exists()


def test_with_delivery_off_a_url_is_checked_without_looking_its_host_up(settings, monkeypatch):
    settings.WEBHOOK_DELIVERY = False
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False
    looked_up = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: looked_up.append(args))
    url = "https://erp.example.invalid/hook"
    assert services.webhook_url_validate(url=url) == url
    assert looked_up == []
    with pytest.raises(ValidationError) as error:
        services.webhook_url_validate(url="ftp://erp.example.invalid/hook")
    assert error.value.error_dict["url"][0].code == "scheme"
