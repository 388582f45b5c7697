"""The platform's settings for the load benchmark's servers: the same as every environment's
(config.settings.base, configured by the environment as in production), with the collected
static files kept under var/bench, so that collecting them there leaves the checkout's alone."""

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR

STATIC_ROOT = BASE_DIR / "var" / "bench" / "staticfiles"
