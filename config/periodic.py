"""Celery beat's schedule, run inside the web process when there is no broker.

Without REDIS_URL tasks run eagerly in-process and no beat is running, so the serving process
runs CELERY_BEAT_SCHEDULE itself in a background thread: the same entries (crontab or interval),
due at the same times. config/wsgi.py starts it, so only a serving process runs it (runserver's
child process, gunicorn's workers), never a test or another management command. Every scheduled
task is safe to run twice, so two serving processes may both run it.
"""

import copy
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from celery.schedules import BaseSchedule, schedule
from django.conf import settings
from django.db import connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# How often the thread looks for due entries; the finest schedule is every minute.
CHECK_INTERVAL_SECONDS = 30

_start_once = threading.Lock()


@dataclass
class _Entry:
    name: str
    task: str
    schedule: BaseSchedule
    args: tuple
    kwargs: dict
    last_run_at: datetime


class PeriodicRunner:
    """Runs each entry of a beat schedule once per due time, as beat would.

    As with beat, an entry first seen now is due at its next scheduled time; the time each entry
    last ran is kept in `state_path` (like beat's schedule file), so that a run missed while the
    server was stopped happens once when it starts again.
    """

    def __init__(self, *, app, beat_schedule, state_path=None, clock=timezone.now):
        self._app = app
        self._clock = clock
        self._state_path = Path(state_path) if state_path else None
        last_runs = self._read_state()
        now = clock()
        self._entries = [
            _Entry(
                name=name,
                task=spec["task"],
                schedule=self._with_clock(spec["schedule"]),
                args=tuple(spec.get("args", ())),
                kwargs=dict(spec.get("kwargs", {})),
                last_run_at=last_runs.get(name, now),
            )
            for name, spec in beat_schedule.items()
        ]

    def _with_clock(self, spec):
        """The entry's schedule reading this runner's clock (a copy: settings stay untouched)."""
        if isinstance(spec, (int, float, timedelta)):
            spec = schedule(spec)
        spec = copy.copy(spec)
        spec.nowfun = self._clock
        spec.app = self._app
        return spec

    def run_due(self):
        """Run the entries that are due; a failing task is logged and the others still run."""
        ran = []
        for entry in self._entries:
            if not entry.schedule.is_due(entry.last_run_at).is_due:
                continue
            entry.last_run_at = self._clock()
            ran.append(entry.name)
            try:
                self._app.tasks[entry.task].apply(args=entry.args, kwargs=entry.kwargs, throw=True)
            except Exception:
                logger.exception("Periodic task %s (%s) failed", entry.name, entry.task)
        if ran:
            self._write_state()
        return ran

    def run_forever(self, *, stop):
        while not stop.wait(CHECK_INTERVAL_SECONDS):
            try:
                self.run_due()
            except Exception:
                # The thread outlives any failure: the next check tries again.
                logger.exception("Checking the periodic tasks failed")
            finally:
                # This thread's own connections: closed, as a request's would be.
                connections.close_all()

    def _read_state(self):
        if not self._state_path:
            return {}
        try:
            stored = json.loads(self._state_path.read_text())
            return {name: datetime.fromisoformat(value) for name, value in stored.items()}
        except FileNotFoundError:
            return {}
        except (ValueError, TypeError, AttributeError):
            logger.warning("Ignoring unreadable periodic task state %s", self._state_path)
            return {}

    def _write_state(self):
        if not self._state_path:
            return
        self._state_path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a second serving process never reads half a file.
        partial = self._state_path.with_name(f"{self._state_path.name}.{os.getpid()}.tmp")
        partial.write_text(
            json.dumps({entry.name: entry.last_run_at.isoformat() for entry in self._entries})
        )
        partial.replace(self._state_path)


def start_embedded_periodic_runner():
    """Start the runner's thread, once per process, if this platform runs without a broker."""
    if settings.REDIS_URL or not settings.EMBEDDED_PERIODIC_TASKS:
        return None
    if not _start_once.acquire(blocking=False):
        return None
    from config.celery import app

    # Task modules are imported lazily by Celery; a worker would import them at start.
    app.loader.import_default_modules()
    runner = PeriodicRunner(
        app=app,
        beat_schedule=settings.CELERY_BEAT_SCHEDULE,
        state_path=settings.EMBEDDED_PERIODIC_STATE_FILE,
    )
    thread = threading.Thread(
        target=runner.run_forever,
        kwargs={"stop": threading.Event()},
        name="embedded-periodic-tasks",
        daemon=True,
    )
    thread.start()
    logger.info("Running the periodic tasks in this process (no REDIS_URL, so no beat)")
    return thread
