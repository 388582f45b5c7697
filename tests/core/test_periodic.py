import logging
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery import Celery
from celery.schedules import crontab
from django.conf import settings as django_settings

from config import periodic
from config.periodic import PeriodicRunner

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeClock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def set(self, hour, minute, second=0, day=5):
        self.now = datetime(2026, 1, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def calls():
    return []


@pytest.fixture
def app(calls):
    app = Celery("periodic-test", set_as_current=False)
    app.conf.timezone = "Asia/Shanghai"

    @app.task(name="record", shared=False)
    def record(label):
        calls.append(label)

    @app.task(name="explode", shared=False)
    def explode():
        calls.append("explode")
        raise RuntimeError("boom")

    return app


@pytest.fixture
def clock():
    # Monday 5 January 2026, 07:58 in Shanghai.
    return FakeClock(datetime(2026, 1, 5, 7, 58, tzinfo=SHANGHAI))


SCHEDULE = {
    "daily": {"task": "record", "schedule": crontab(hour=8, minute=0), "args": ("daily",)},
    "weekly-sunday": {
        "task": "record",
        "schedule": crontab(hour=8, minute=0, day_of_week="sun"),
        "args": ("sunday",),
    },
    "every-five": {"task": "record", "schedule": crontab(minute="*/5"), "args": ("five",)},
    "every-two": {"task": "record", "schedule": timedelta(minutes=2), "kwargs": {"label": "two"}},
    "failing": {"task": "explode", "schedule": crontab(minute="*/5")},
}


def test_runs_each_due_entry_once_per_due_time_and_skips_the_rest(app, clock, calls):
    runner = PeriodicRunner(app=app, beat_schedule=SCHEDULE, clock=clock)

    assert runner.run_due() == []

    clock.set(8, 0, 5)
    assert runner.run_due() == ["daily", "every-five", "every-two", "failing"]
    assert calls == ["daily", "five", "two", "explode"]
    # Checked again within the same due time: nothing runs twice.
    assert runner.run_due() == []

    clock.set(8, 2, 10)
    assert runner.run_due() == ["every-two"]
    clock.set(8, 5, 1)
    assert runner.run_due() == ["every-five", "every-two", "failing"]
    # The next day's 08:00 is a Tuesday: the daily entry again, the Sunday one still not.
    clock.set(8, 0, 0, day=6)
    assert "daily" in runner.run_due()
    assert "sunday" not in calls
    clock.set(8, 0, 0, day=11)
    assert {"daily", "weekly-sunday"} <= set(runner.run_due())
    assert calls.count("sunday") == 1


def test_a_failing_task_is_logged_and_the_runner_keeps_going(app, clock, calls, caplog):
    runner = PeriodicRunner(app=app, beat_schedule=SCHEDULE, clock=clock)
    clock.set(8, 0, 5)
    with caplog.at_level(logging.ERROR, logger="config.periodic"):
        runner.run_due()
    assert [record.getMessage() for record in caplog.records] == [
        "Periodic task failing (explode) failed"
    ]
    assert "RuntimeError: boom" in caplog.text

    clock.set(8, 5, 0)
    assert runner.run_due() == ["every-five", "every-two", "failing"]
    assert calls.count("explode") == 2


def test_a_run_missed_while_stopped_happens_once_at_the_next_start(app, clock, calls, tmp_path):
    state = tmp_path / "periodic.json"
    schedule = {"daily": SCHEDULE["daily"]}
    clock.set(8, 0, 1)
    first = PeriodicRunner(app=app, beat_schedule=schedule, clock=clock, state_path=state)
    clock.set(8, 0, 30)
    # First start at 08:00:01: like beat, nothing ran before, so the entry waits for tomorrow.
    assert first.run_due() == []
    clock.set(8, 1, 0, day=6)
    assert first.run_due() == ["daily"]

    # Stopped through Wednesday's 08:00, started again on Wednesday at noon.
    clock.set(12, 0, 0, day=7)
    second = PeriodicRunner(app=app, beat_schedule=schedule, clock=clock, state_path=state)
    assert second.run_due() == ["daily"]
    assert second.run_due() == []
    assert calls == ["daily", "daily"]


def test_an_unreadable_state_file_is_ignored(app, clock, tmp_path):
    state = tmp_path / "periodic.json"
    state.write_text("{not json")
    runner = PeriodicRunner(app=app, beat_schedule=SCHEDULE, clock=clock, state_path=state)
    assert runner.run_due() == []


def test_the_thread_survives_a_failing_check(app, clock, monkeypatch):
    runner = PeriodicRunner(app=app, beat_schedule=SCHEDULE, clock=clock)
    stop = threading.Event()
    checks = []

    def failing_check():
        checks.append(1)
        if len(checks) == 3:
            stop.set()
        raise OSError("disk full")

    monkeypatch.setattr(periodic, "CHECK_INTERVAL_SECONDS", 0)
    monkeypatch.setattr(runner, "run_due", failing_check)
    runner.run_forever(stop=stop)
    assert len(checks) == 3


@pytest.fixture
def fresh_start(monkeypatch):
    """Start as a new process would, without a thread that runs the real schedule."""
    monkeypatch.setattr(periodic, "_start_once", threading.Lock())
    monkeypatch.setattr(PeriodicRunner, "run_forever", lambda self, *, stop: None)


def test_started_once_per_process_on_the_embedded_default(settings, tmp_path, fresh_start):
    settings.EMBEDDED_PERIODIC_TASKS = True
    settings.REDIS_URL = ""
    settings.EMBEDDED_PERIODIC_STATE_FILE = tmp_path / "periodic.json"
    thread = periodic.start_embedded_periodic_runner()
    assert thread.name == "embedded-periodic-tasks"
    assert thread.daemon
    assert periodic.start_embedded_periodic_runner() is None


@pytest.mark.parametrize(
    ("enabled", "redis_url"), [(False, ""), (True, "redis://127.0.0.1:6379/0")]
)
def test_not_started_when_switched_off_or_beat_runs(settings, fresh_start, enabled, redis_url):
    settings.EMBEDDED_PERIODIC_TASKS = enabled
    settings.REDIS_URL = redis_url
    assert periodic.start_embedded_periodic_runner() is None


def test_off_in_tests():
    assert django_settings.EMBEDDED_PERIODIC_TASKS is False


PROBE = """
import threading, django
django.setup()
if sys.argv[1] == "serve":
    import config.wsgi
else:
    from django.core.management import call_command
    call_command("check", verbosity=0)
print(sorted(thread.name for thread in threading.enumerate()))
"""


@pytest.mark.parametrize(("how", "started"), [("serve", True), ("command", False)])
def test_only_the_serving_process_runs_the_schedule(tmp_path, how, started):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "REDIS_URL": "",
        "EMBEDDED_PERIODIC_TASKS": "true",
        "EMBEDDED_PERIODIC_STATE_FILE": str(tmp_path / "periodic.json"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import sys\n" + PROBE, how],
        env=environment,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ("'embedded-periodic-tasks'" in result.stdout) is started


def test_every_entry_of_beats_schedule_names_a_task_the_runner_finds():
    from config.celery import app as platform_app

    platform_app.loader.import_default_modules()
    runner = PeriodicRunner(app=platform_app, beat_schedule=django_settings.CELERY_BEAT_SCHEDULE)
    assert runner.run_due() == []
    missing = [
        spec["task"]
        for spec in django_settings.CELERY_BEAT_SCHEDULE.values()
        if spec["task"] not in platform_app.tasks
    ]
    assert missing == []
