from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from catalogue.demo import demo_offerings_load


class Command(BaseCommand):
    help = "Add demo service offerings by the demo providers, most of them reviewed (idempotent)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        # Nobody reads the demo's e-mails.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_offerings_load()
        self.stdout.write(self.style.SUCCESS(f"Demo service offerings: {count}."))
