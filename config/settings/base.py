"""Settings for every environment; each integration is off unless configured.

Every value comes from config.env; the README lists each variable and its default.
"""

from django.utils.translation import gettext_lazy as _

from config.env import BASE_DIR, env

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "core",
    "search",
    "outbox",
    "outcomes",
    "accounts",
    "taxonomy",
    "organizations",
    "repositories",
    "notifications",
    "subscriptions",
    "matching",
    "credit",
    "webhooks",
    "conversations",
    "catalogue",
    "deals",
    "orders",
    "analytics",
    "cases",
    "managers",
    "challenges",
    "roadshows",
    "service_teams",
    "evaluations",
    "demand_analysis",
    "api",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "organizations.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.PrivateCacheMiddleware",
    # Before any view or CSRF check reads the body (both happen after every middleware).
    "core.middleware.UploadSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notifications.context_processors.unread_notifications",
                "accounts.context_processors.site_registration",
            ],
        },
    },
]

# SQLite unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Each worker keeps its connection between requests (checked before reuse): opening one per
# request costs PostgreSQL a new backend process and the sign-in, about as much CPU as a page.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and a worker read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "repositories:workspace"
LOGOUT_REDIRECT_URL = "repositories:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package.json) and are served from node_modules.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/tom-select", BASE_DIR / "node_modules/tom-select/dist"),
    ("vendor/echarts", BASE_DIR / "node_modules/echarts/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# In development, serve files straight from the finders (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# Listings stay published for this many days, then ask their owner to re-confirm.
LISTING_VALIDITY_DAYS = env.int("LISTING_VALIDITY_DAYS", default=180)
# Where `import_listings` writes its report of rejected rows unless given --report.
IMPORT_REPORT_DIR = env.path("IMPORT_REPORT_DIR", default=BASE_DIR / "var/imports")
# How many subscriptions (to fields, regions, kinds, keywords) one person may keep.
SUBSCRIPTIONS_PER_USER_MAX = env.int("SUBSCRIPTIONS_PER_USER_MAX", default=20)
# The site's ICP record number (ICP备案号), shown in the footer when set, e.g. 京ICP备12345678号-1.
ICP_RECORD = env("ICP_RECORD", default="")
# Where people write about their personal information (named in the privacy policy).
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="privacy@techbridge.localhost")
# Sign-up is confirmed by e-mail: the link works this many days. No account exists until it is
# opened, so a sign-up reserves neither its username nor its address.
SIGN_UP_CONFIRMATION_DAYS = env.int("SIGN_UP_CONFIRMATION_DAYS", default=3)
# Sign-up e-mails (links, resent links, warnings to an address's owner) asked for per hour, by
# the address typed and by the client's IP address; more is refused, whoever owns the address.
SIGN_UP_EMAILS_PER_ADDRESS_PER_HOUR = env.int("SIGN_UP_EMAILS_PER_ADDRESS_PER_HOUR", default=3)
SIGN_UP_EMAILS_PER_CLIENT_PER_HOUR = env.int("SIGN_UP_EMAILS_PER_CLIENT_PER_HOUR", default=20)

from config.settings.integrations.api import *  # noqa: E402,F403
from config.settings.integrations.celery import *  # noqa: E402,F403
from config.settings.integrations.challenges import *  # noqa: E402,F403
from config.settings.integrations.conversations import *  # noqa: E402,F403
from config.settings.integrations.credit import *  # noqa: E402,F403
from config.settings.integrations.deals import *  # noqa: E402,F403
from config.settings.integrations.demand_analysis import *  # noqa: E402,F403
from config.settings.integrations.email import *  # noqa: E402,F403
from config.settings.integrations.embedding import *  # noqa: E402,F403
from config.settings.integrations.evaluations import *  # noqa: E402,F403
from config.settings.integrations.headers import *  # noqa: E402,F403
from config.settings.integrations.logging import *  # noqa: E402,F403
from config.settings.integrations.matching import *  # noqa: E402,F403
from config.settings.integrations.orders import *  # noqa: E402,F403
from config.settings.integrations.roadshows import *  # noqa: E402,F403
from config.settings.integrations.search import *  # noqa: E402,F403
from config.settings.integrations.security import *  # noqa: E402,F403
from config.settings.integrations.service_teams import *  # noqa: E402,F403
from config.settings.integrations.webhooks import *  # noqa: E402,F403
