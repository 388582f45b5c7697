from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from cases.demo import demo_cases_load


class Command(BaseCommand):
    help = (
        "Publish the cases of the demo's completed deals with both parties' feedback and "
        "consent and the staff's review (idempotent; run after load_demo_deals)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_cases_load()
        self.stdout.write(self.style.SUCCESS(f"Demo cases published: {count}."))
