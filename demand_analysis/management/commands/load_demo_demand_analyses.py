from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from demand_analysis.demo import demo_demand_analyses_load


class Command(BaseCommand):
    help = (
        "Add demo demand analyses in every status on demo needs (idempotent; run after "
        "load_demo_orders)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_demand_analyses_load()
        self.stdout.write(self.style.SUCCESS(f"Demo demand analyses: {count}."))
