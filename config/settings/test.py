"""Tests: fast hashing, in-memory e-mail, files and the search index in temporary folders."""

import tempfile

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = tempfile.mkdtemp(prefix="techbridge-media-")
SEARCH_INDEX_DIR = tempfile.mkdtemp(prefix="techbridge-search-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "user": "1000/minute"},
}
# Each test process counts throttles alone, even where REDIS_URL is set (make test-postgres).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# client.login() authenticates without a request, which django-axes refuses; the lockout tests
# switch it on.
AXES_ENABLED = False
# Tasks run in-process in tests; the integration tests start a real worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
# Tests run periodic tasks themselves, never in a background thread.
EMBEDDED_PERIODIC_TASKS = False
# Webhook tests deliver to a server on 127.0.0.1; tests of the refusal turn this off.
WEBHOOK_ALLOW_PRIVATE_HOSTS = True
