from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from deals.demo import demo_deals_load


class Command(BaseCommand):
    help = "Add demo deals in every stage between the demo organizations (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        # Nobody reads the demo's e-mails, and eighteen months of contact go in at once.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            CONTACT_REQUESTS_PER_ORGANIZATION_PER_DAY=1000,
        ):
            count = demo_deals_load()
        self.stdout.write(self.style.SUCCESS(f"Demo deals: {count}."))
