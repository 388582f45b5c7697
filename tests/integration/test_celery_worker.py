"""A real Celery worker on Redis, against the test database (PostgreSQL in `make test`)."""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from notifications.models import Notification
from repositories.tasks import remind_expiring_listings
from tests.factories import NeedFactory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def worker(tmp_path):
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test-postgres)")
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}"
        ),
        "EMAIL_URL": "consolemail://",
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=environment,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    deadline = time.monotonic() + 60
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)
    yield log
    app.conf.task_always_eager = True
    process.terminate()
    process.wait(timeout=30)


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_sends_each_reminder_and_its_mail_once(worker):
    need = NeedFactory(expires_at=timezone.now() + timedelta(days=3))
    remind_expiring_listings.delay()
    remind_expiring_listings.delay()
    reminders = Notification.objects.filter(topic=Notification.Topic.LISTING_EXPIRING)
    assert _wait_for(lambda: reminders.filter(emailed_at__isnull=False).exists())
    # Both runs finished: the first sent one reminder, the second found nothing left to do.
    assert _wait_for(lambda: len(_succeeded(worker, "remind_expiring_listings")) == 2)
    assert sorted(_succeeded(worker, "remind_expiring_listings")) == ["0", "1"]
    assert len(_succeeded(worker, "send_notification_email")) == 1
    assert list(reminders.values_list("user_id", flat=True)) == [need.created_by_id]


def _succeeded(log, task):
    """The return values the worker logged for each successful run of `task`."""
    return re.findall(rf"{task}\[[^\]]+\] succeeded in [\d.]+s: (\S+)", log.read_text())
