from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting web helpers: template tags, safe redirects, the <id:…> URL converter."""

    name = "core"

    def ready(self):
        import core.ids  # noqa: F401  (registers the <id:…> converter before any URLconf loads)
