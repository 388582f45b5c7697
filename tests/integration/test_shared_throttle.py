"""The API throttle counts in Redis when REDIS_URL is set: every gunicorn worker sees one count."""

import json
import os
import subprocess
import sys
import uuid

import pytest

pytestmark = pytest.mark.integration

# One worker process: counts `requests` anonymous API requests from `address` through the
# throttle the settings configure (3 a minute here), and says which were let through.
WORKER = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework.request import Request
from api.throttling import AnonRateThrottle

class ThreeAMinute(AnonRateThrottle):
    rate = "3/minute"

address, requests = sys.argv[1], int(sys.argv[2])
allowed = []
for _ in range(requests):
    request = Request(RequestFactory().get("/api/v1/needs/", REMOTE_ADDR=address))
    request.user = AnonymousUser()
    allowed.append(ThreeAMinute().allow_request(request, view=None))
print(json.dumps({"cache": settings.CACHES["default"]["BACKEND"], "allowed": allowed}))
"""


def run_worker(address, requests):
    completed = subprocess.run(
        [sys.executable, "-c", WORKER, address, str(requests)],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_two_worker_processes_share_one_throttle_count():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("needs REDIS_URL (make test-postgres)")
    # An address of its own per run: counts another run left in Redis do not reach it.
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    first = run_worker(address, 2)
    second = run_worker(address, 2)
    assert first == {
        "cache": "django.core.cache.backends.redis.RedisCache",
        "allowed": [True, True],
    }
    assert second["allowed"] == [True, False]
