"""The outbox: tasks written with the change, sent once it commits, later if the broker is out."""

import uuid
from datetime import timedelta

import pytest
from celery import current_app, shared_task
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from matching.tasks import index_and_match_listing
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import send_notification_email
from organizations.selectors import actor_for
from outbox import services
from outbox.models import OutboxMessage
from outbox.services import outbox_enqueue, outbox_prune, outbox_relay
from outbox.tasks import relay_outbox
from repositories.models import ListingStatus
from subscriptions.services import subscription_create
from subscriptions.tasks import push_new_listing
from taxonomy.models import Field
from tests.factories import HANGZHOU, ZHEJIANG, NeedFactory, UserFactory, cast_staff, region
from webhooks import transport
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create
from webhooks.tasks import deliver_webhook

pytestmark = pytest.mark.django_db

CALLS = []


@shared_task(name="tests.outbox.remember")
def remember(value):
    CALLS.append(value)


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")


@pytest.fixture
def with_broker():
    """Tasks go to a broker (the tests patch apply_async, so none is reached)."""
    current_app.conf.task_always_eager = False
    yield
    current_app.conf.task_always_eager = True


def later(**delta):
    return timezone.now() + timedelta(**delta)


# --- writing ---------------------------------------------------------------------------------


def test_a_message_is_written_in_the_transaction_and_sent_once_it_commits(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            message = outbox_enqueue(remember, 7)
            assert OutboxMessage.objects.get().args == [7]
            assert CALLS == []
    assert CALLS == [7]
    message.refresh_from_db()
    assert message.task == "tests.outbox.remember"
    assert message.relayed_at is not None and message.attempts == 0 and message.claim is None


def test_a_rolled_back_transaction_leaves_no_message_and_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValueError), transaction.atomic():
            outbox_enqueue(remember, 7)
            raise ValueError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert CALLS == []
    assert outbox_relay(now=later(hours=1)) == 0 and CALLS == []


def test_enqueueing_outside_a_transaction_is_refused():
    # pytest-django wraps each test in a transaction; leave it to see what a caller would.
    connection = transaction.get_connection()
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            outbox_enqueue(remember, 7)
    finally:
        connection.in_atomic_block = True
    assert not OutboxMessage.objects.exists()


def test_notify_writes_the_e_mail_to_the_outbox_with_the_notification(
    django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(users=[user], topic=Notification.Topic.MATCH, title="新的匹配")
        (message,) = OutboxMessage.objects.all()
        assert (message.task, message.args) == (send_notification_email.name, [notification.pk])
    assert [mail.to for mail in mailoutbox] == [[user.email]]
    message.refresh_from_db()
    assert message.relayed_at is not None


# --- a broker outage -------------------------------------------------------------------------

WATER = "050102"


def test_approving_a_listing_while_the_broker_is_down_publishes_it_and_loses_nothing(
    client, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    need = NeedFactory(
        status=ListingStatus.SUBMITTED,
        published_at=None,
        title="印染废水深度脱色处理技术需求",
        summary="印染企业寻求低成本的废水脱色与回用工艺。",
        field=Field.objects.get(code=WATER),
        region=region(HANGZHOU),
    )
    subscriber = UserFactory()
    subscription_create(user=subscriber, data={"keywords": "废水"})
    webhook_endpoint_create(
        organization=need.organization,
        actor=actor_for(user=need.created_by),
        url="https://erp.example.cn/hooks",
        events=["listing.published"],
    )
    posted = []

    def post(url, *, body, headers, timeout):
        posted.append((url, headers["X-TechBridge-Event"]))
        return transport.Response(status=200, body=b"ok")

    monkeypatch.setattr(transport, "post", post)
    client.force_login(cast_staff(ZHEJIANG))
    url = reverse("repositories:review", kwargs={"kind": "need", "pk": need.pk})

    with monkeypatch.context() as outage:
        for task in (index_and_match_listing, send_notification_email, push_new_listing):
            outage.setattr(task, "apply_async", broker_down)
        outage.setattr(deliver_webhook, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"decision": "approve", "note": ""})

    assert response.status_code == 302
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED
    (delivery,) = WebhookDelivery.objects.all()
    reviewed = list(Notification.objects.filter(topic=Notification.Topic.LISTING_REVIEWED))
    assert reviewed and all(n.emailed_at is None for n in reviewed)
    pending = OutboxMessage.objects.filter(relayed_at__isnull=True)
    assert sorted(pending.values_list("task", "args")) == sorted(
        [(push_new_listing.name, [need.pk]), (deliver_webhook.name, [delivery.pk])]
        + [(send_notification_email.name, [n.pk]) for n in reviewed]
    )
    assert all(m.attempts == 1 and "Connection refused" in m.last_error for m in pending)
    assert mailoutbox == [] and posted == []

    # The broker is back: the relay sends each message once, and a second relay nothing.
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            outbox_relay(now=later(hours=1))
        assert not OutboxMessage.objects.filter(relayed_at__isnull=True).exists()
        pushed = Notification.objects.filter(topic=Notification.Topic.SUBSCRIPTION)
        assert list(pushed.values_list("user", flat=True)) == [subscriber.pk]
        assert sorted(mail.to[0] for mail in mailoutbox) == sorted(
            [subscriber.email] + [n.user.email for n in reviewed]
        )
        assert posted == [("https://erp.example.cn/hooks", "listing.published")]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED


# --- relaying --------------------------------------------------------------------------------


def enqueue(*values):
    with transaction.atomic():
        return [outbox_enqueue(remember, value) for value in values]


def test_the_relay_sends_the_pending_messages_once_and_marks_them():
    first, second = enqueue(1, 2)  # their commit was never seen (the test's transaction)
    assert outbox_relay() == 0  # too new: left to the relay of their own commit
    assert outbox_relay(now=later(seconds=11)) == 2
    assert sorted(CALLS) == [1, 2]
    for message in (first, second):
        message.refresh_from_db()
        assert message.relayed_at is not None and message.claim is None
    assert outbox_relay(now=later(hours=1)) == 0
    assert sorted(CALLS) == [1, 2]


def test_the_relay_goes_through_every_batch():
    enqueue(*range(7))
    assert outbox_relay(now=later(minutes=1), batch=3) == 7
    assert sorted(CALLS) == list(range(7))


def test_a_message_another_relay_holds_is_not_sent_until_its_lease_ends():
    (message,) = enqueue(1)
    # Another relay claimed it, then died before sending.
    OutboxMessage.objects.filter(pk=message.pk).update(
        claim=uuid.uuid4(), available_at=later(seconds=11) + services.LEASE
    )
    assert outbox_relay(now=later(seconds=11)) == 0 and CALLS == []
    assert outbox_relay(now=later(seconds=12) + services.LEASE) == 1 and CALLS == [1]


def test_the_relay_of_a_commit_leaves_what_another_relay_took(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue(1)
    assert outbox_relay(now=later(seconds=11)) == 1
    for callback in callbacks:
        callback()
    assert CALLS == [1]


def test_a_broker_failure_keeps_the_message_and_stops_the_batch(monkeypatch, with_broker):
    first, second = enqueue(1, 2)
    monkeypatch.setattr(remember, "apply_async", broker_down)
    assert outbox_relay(now=later(seconds=11)) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.relayed_at is None and first.attempts == 1 and first.claim is None
    assert first.last_error.startswith("OperationalError: Error 111")
    assert first.available_at >= later(seconds=services.RETRY_BASE.seconds - 1)
    # The second was not tried: the broker is out for it too.
    assert second.relayed_at is None and second.attempts == 0 and second.claim is None

    sent = []
    monkeypatch.setattr(remember, "apply_async", lambda args, kwargs=None, **_: sent.append(args))
    assert outbox_relay(now=later(seconds=11)) == 1  # the first waits out its back-off
    assert outbox_relay(now=later(minutes=1)) == 1
    assert sorted(sent) == [(1,), (2,)]


def test_failures_back_off_up_to_a_limit():
    assert [services._retry_delay(n).total_seconds() for n in range(1, 7)] == [
        30,
        60,
        120,
        240,
        480,
        600,
    ]


def test_a_broker_failure_on_commit_never_reaches_the_caller(
    monkeypatch, with_broker, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(remember, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = enqueue(1)
    message.refresh_from_db()
    assert message.relayed_at is None and message.attempts == 1


def test_relayed_messages_are_pruned_after_the_retention_pending_ones_never():
    old, recent, pending = enqueue(1, 2, 3)
    OutboxMessage.objects.filter(pk=old.pk).update(relayed_at=later(days=-8))
    OutboxMessage.objects.filter(pk=recent.pk).update(relayed_at=later(days=-6))
    OutboxMessage.objects.filter(pk=pending.pk).update(created_at=later(days=-30))
    assert outbox_prune() == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


def test_beat_runs_the_relay_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["relay-outbox"]
    assert entry["task"] == relay_outbox.name
    assert entry["schedule"].minute == set(range(60))
    enqueue(1)
    OutboxMessage.objects.update(available_at=later(seconds=-1))
    assert relay_outbox.delay().get() == 1 and CALLS == [1]
