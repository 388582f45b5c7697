from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from managers.demo import demo_managers_load


class Command(BaseCommand):
    help = (
        "Add demo technology managers (verified, awaiting verification, sent back) and the "
        "mandates demo organizations gave them, with a brokered deal whose commission is due "
        "(idempotent; run after load_demo_deals)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data loads only with DEBUG on.")
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            count = demo_managers_load()
        self.stdout.write(
            self.style.SUCCESS(f"Demo technology managers: {count} (logins mgr_zhou, mgr_shen …).")
        )
