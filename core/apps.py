from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting web helpers: template tags and safe redirects."""

    name = "core"
