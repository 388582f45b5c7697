"""Guessing and flooding: which proxies to believe, login lockout (django-axes), shared counts."""

from datetime import timedelta

from config.env import env
from config.settings.integrations.celery import REDIS_URL

# Proxies (IP addresses or CIDR ranges) whose X-Forwarded-For is believed, e.g. the nginx in
# front of gunicorn. Empty: every request is counted by its socket address (REMOTE_ADDR).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

# Throttle counts (API) live in this cache: Redis shares them between all gunicorn workers;
# local memory (no Redis) counts per process.
CACHE_URL = env("CACHE_URL", default=REDIS_URL)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out (username, address) before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
# Failed log-ins kept in the database (shared by every worker), counted over the last
# LOGIN_LOCKOUT_MINUTES; reaching a limit locks until the failures are that old.
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# Every failure and lockout is logged (WARNING, logger "axes") with the address; the username
# is masked, as people sometimes type their password into it.
AXES_SENSITIVE_PARAMETERS = ["username"]
# Locks are lifted early with `manage.py axes_reset_username NAME` or `axes_reset_ip ADDRESS`,
# not in the back office (axes' pages there are English-only).
AXES_ENABLE_ADMIN = False
