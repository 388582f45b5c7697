import os
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.parametrize(
    ("redis_url", "level"), [("", "WARNING"), ("redis://127.0.0.1:6379/0", "INFO")]
)
def test_tasks_run_in_process_log_only_their_failures(redis_url, level):
    probe = (
        "import logging, django; django.setup(); "
        "print(logging.getLevelName(logging.getLogger('celery.app.trace').getEffectiveLevel()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "REDIS_URL": redis_url,
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == level
