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


def start_worker(log, **environment):
    """A Celery worker process on the test database, logging to `log`; returns it ready."""
    database = connection.settings_dict
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
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": (
                f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
                f"{database['PORT']}/{database['NAME']}"
            ),
            "EMAIL_URL": "consolemail://",
            **environment,
        },
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    assert _wait_for(lambda: "ready" in log.read_text()), log.read_text()
    return process


@pytest.fixture
def broker():
    if not os.environ.get("REDIS_URL") or connection.vendor != "postgresql":
        pytest.skip("needs REDIS_URL and a PostgreSQL DATABASE_URL (make test-postgres)")
    app.conf.task_always_eager = False
    # Tasks another program left in this Redis would reach our workers and muddle the counts.
    app.control.purge()
    yield
    app.conf.task_always_eager = True


@pytest.fixture
def worker(broker, tmp_path):
    log = tmp_path / "worker.log"
    process = start_worker(log)
    yield log
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
    # The mail is claimed (emailed_at) before it is sent: wait for the task to finish.
    assert _wait_for(lambda: len(_succeeded(worker, "send_notification_email")) == 1)
    assert list(reminders.values_list("user_id", flat=True)) == [need.created_by_id]


def _received(log, task):
    """Whether the worker logged taking a `task` (not merely listing it among its tasks)."""
    return re.search(rf"{task}\[[^\]]+\] received", log.read_text()) is not None


def _succeeded(log, task):
    """The return values the worker logged for each successful run of `task`."""
    return re.findall(rf"{task}\[[^\]]+\] succeeded in [\d.]+s: (\S+)", log.read_text())


def test_a_worker_killed_mid_task_leaves_it_to_the_next_and_the_push_happens_once(
    broker, tmp_path, settings, real_model
):
    """Matching with automatic approval pushes the match to both sides: the worker is killed
    while matching, the task goes back to the queue, a second worker runs it, and each side
    hears of the match exactly once."""
    from matching import indexing
    from matching.models import AutoApproveRule, Match
    from matching.tasks import index_and_match_listing
    from organizations.models import Organization
    from tests.factories import AchievementFactory, OrganizationFactory, region

    index_dir = tmp_path / "index"
    settings.SEARCH_INDEX_DIR = index_dir
    achievement = AchievementFactory(
        organization=OrganizationFactory(kind=Organization.Kind.INSTITUTION),
        title="红外感应开关及LED照明控制电路",
        description="采用红外感应实现非接触开关控制，适用于LED手电筒等照明产品。",
    )
    indexing.index_listing(achievement.pk)
    AutoApproveRule.objects.create(region=region("330000"), enabled=True, min_degree=0)
    need = NeedFactory(
        title="LED手电筒红外开关改进",
        problem="手电筒的机械开关容易损坏，需要设计一款红外控制的LED手电筒开关。",
    )
    environment = {
        "SEARCH_INDEX_DIR": str(index_dir),
        "EMBEDDING_MODEL": settings.EMBEDDING_MODEL,
        "EMBEDDING_DTYPE": "float32",
        "CELERY_VISIBILITY_TIMEOUT": "3",
    }
    first_log = tmp_path / "first.log"
    first = start_worker(first_log, **environment)
    index_and_match_listing.delay(need.pk)
    # Killed while it loads the model and embeds: the task was taken but never acknowledged.
    assert _wait_for(lambda: _received(first_log, "index_and_match_listing"))
    first.kill()
    first.wait(timeout=30)
    assert not Match.objects.filter(need=need).exists()
    # Once the visibility timeout has passed, a starting worker puts the task back in the queue.
    time.sleep(4)
    second_log = tmp_path / "second.log"
    second = start_worker(second_log, **environment)
    try:
        assert _wait_for(lambda: _succeeded(second_log, "index_and_match_listing"), 300), (
            first_log.read_text() + second_log.read_text()
        )
    finally:
        second.terminate()
        second.wait(timeout=30)
    match = Match.objects.get(need=need, supply_listing=achievement)
    assert match.status == Match.Status.APPROVED and match.auto_approved
    pushed = Notification.objects.filter(topic=Notification.Topic.MATCH)
    assert sorted(pushed.values_list("user_id", flat=True)) == sorted(
        [need.created_by_id, achievement.created_by_id]
    )
    assert len(_succeeded(second_log, "index_and_match_listing")) == 1
