from config.env import env
from config.settings.integrations.celery import REDIS_URL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without a broker every task runs in-process and Celery logs a line for each one that
        # succeeded: thousands while the demo loads, drowning the rest. Failures still show;
        # workers (REDIS_URL) keep their line per task.
        "celery.app.trace": {"level": "INFO" if REDIS_URL else "WARNING"},
    },
}
