"""A broker outage, for real: listings are approved while Redis is down, then Redis and a worker
come up and every e-mail, push and webhook delivery the approvals owe is done, exactly once."""

import re
import shutil
import socket
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from notifications.models import Notification
from organizations.selectors import actor_for
from outbox.models import OutboxMessage
from outbox.services import outbox_relay
from outbox.tasks import relay_outbox
from repositories.models import ListingStatus
from subscriptions.services import subscription_create
from taxonomy.models import Field
from tests.factories import HANGZHOU, ZHEJIANG, NeedFactory, UserFactory, cast_staff, region
from tests.integration.test_celery_worker import _wait_for, start_worker
from webhooks.models import WebhookDelivery
from webhooks.services import webhook_endpoint_create

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WATER = "050102"


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _use_broker(url):
    """Point this process's Celery app at `url`, dropping the connections it holds."""
    app.conf.broker_url = url
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


class Redis:
    """A redis-server of our own on a free port, stopped until start(); the shared one on 6379
    is never touched."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        assert _wait_for(self._answers, 30)

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def redis():
    if connection.vendor != "postgresql" or shutil.which("redis-server") is None:
        pytest.skip(
            "needs a PostgreSQL DATABASE_URL and Debian's redis-server (make test-postgres)"
        )
    server = Redis()
    previous = app.conf.broker_url
    _use_broker(server.url)
    app.conf.task_always_eager = False
    yield server
    app.conf.task_always_eager = True
    _use_broker(previous)
    server.stop()


@pytest.fixture
def webhook_receiver():
    """An HTTP server on 127.0.0.1 that answers 200 and keeps each delivery's id and event."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(
                (self.headers["X-TechBridge-Delivery"], self.headers["X-TechBridge-Event"])
            )
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _water_need():
    return NeedFactory(
        status=ListingStatus.SUBMITTED,
        published_at=None,
        title="印染废水深度脱色处理技术需求",
        summary="印染企业寻求低成本的废水脱色与回用工艺。",
        field=Field.objects.get(code=WATER),
        region=region(HANGZHOU),
    )


def _mailed_to(log):
    """Recipients of the e-mails the worker sent (the console backend prints each message)."""
    return Counter(re.findall(r"^To: (\S+)$", log.read_text(), flags=re.MULTILINE))


def _worker_idle(log):
    text = log.read_text()
    received = len(re.findall(r"\] received$", text, flags=re.MULTILINE))
    finished = len(re.findall(r"\] (?:succeeded|failed|raised)", text))
    return received == finished


def test_approvals_during_an_outage_lose_nothing_and_are_done_once_the_broker_is_back(
    redis, webhook_receiver, client, tmp_path
):
    hook_url, received = webhook_receiver
    subscribers = [UserFactory(), UserFactory()]
    for subscriber in subscribers:
        subscription_create(user=subscriber, data={"keywords": "废水"})
    needs = [_water_need(), _water_need()]
    for need in needs:
        webhook_endpoint_create(
            organization=need.organization,
            actor=actor_for(user=need.created_by),
            url=hook_url,
            events=["listing.published"],
        )
    client.force_login(cast_staff(ZHEJIANG))

    # Redis is down: the approvals succeed and everything they owe waits in the outbox.
    for need in needs:
        response = client.post(
            reverse("repositories:review", kwargs={"kind": "need", "pk": need.pk}),
            {"decision": "approve", "note": ""},
        )
        assert response.status_code == 302
        need.refresh_from_db()
        assert need.status == ListingStatus.PUBLISHED
    reviewed = Notification.objects.filter(topic=Notification.Topic.LISTING_REVIEWED)
    assert sorted(reviewed.values_list("user", flat=True)) == sorted(n.created_by_id for n in needs)
    deliveries = WebhookDelivery.objects.all()
    assert deliveries.count() == 2
    pending = OutboxMessage.objects.filter(relayed_at__isnull=True)
    assert Counter(pending.values_list("task", flat=True)) == {
        "notifications.tasks.send_notification_email": 2,
        "subscriptions.tasks.push_new_listing": 2,
        "webhooks.tasks.deliver_webhook": 2,
    }
    assert OutboxMessage.objects.count() == 6
    assert pending.filter(attempts=1, last_error__contains="Connection refused").exists()

    # Redis and a worker come up; beat's relay runs on the worker twice, and a second relay
    # at the same time in this process: each message still goes out once.
    redis.start()
    log = tmp_path / "worker.log"
    worker = start_worker(log, REDIS_URL=redis.url, WEBHOOK_ALLOW_PRIVATE_HOSTS="true")
    try:
        OutboxMessage.objects.update(available_at=timezone.now() - timedelta(seconds=1))
        relay_outbox.delay()
        relay_outbox.delay()
        outbox_relay()
        everyone = [n.created_by for n in needs] + subscribers

        def done():
            return (
                not OutboxMessage.objects.filter(relayed_at__isnull=True).exists()
                and len(received) == 2
                and Notification.objects.count() == 6
                and not Notification.objects.filter(emailed_at__isnull=True).exists()
                and sum(_mailed_to(log).values()) == 6
                and _worker_idle(log)
            )

        assert _wait_for(done, 120), log.read_text()
        # Anything sent twice would have arrived by now.
        time.sleep(2)
        assert _worker_idle(log), log.read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert sorted(received) == sorted(
        (str(delivery.event_id), "listing.published") for delivery in deliveries
    )
    assert set(deliveries.values_list("status", flat=True)) == {WebhookDelivery.Status.SUCCEEDED}
    pushed = Notification.objects.filter(topic=Notification.Topic.SUBSCRIPTION)
    assert sorted(pushed.values_list("user", flat=True)) == sorted([s.pk for s in subscribers] * 2)
    assert _mailed_to(log) == Counter(
        {user.email: 2 if user in subscribers else 1 for user in everyone}
    )
    # Ten messages in all: the e-mails of the four pushes joined the outbox in the worker.
    assert not OutboxMessage.objects.filter(relayed_at__isnull=True).exists()
    assert OutboxMessage.objects.count() == 10
    # Each message was relayed once: a task relayed twice would show as a second run.
    assert len(re.findall(r"send_notification_email\[[^\]]+\] received", log.read_text())) == 6
    assert len(re.findall(r"push_new_listing\[[^\]]+\] received", log.read_text())) == 2
    assert len(re.findall(r"deliver_webhook\[[^\]]+\] received", log.read_text())) == 2
